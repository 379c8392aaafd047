// The license window a Revit add-in opens with one call: LicenseWindow.Show(client). WinForms, because
// it runs inside Revit on .NET Framework 4.8 and on .NET 8 alike. The controls, top to bottom, are the
// nine of the online license: login, password, Activate, Deactivate, restore password, change password
// (new + repeat), license manager, proxy server (name, login, password, save), the vendor's links.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Drawing;
using System.Threading.Tasks;
using System.Windows.Forms;

namespace Slotkeeper.Forms
{
    public static class LicenseWindow
    {
        /// <summary>Opens the license window as a dialog (over `owner`, e.g. Revit's main window) and returns once it is closed.</summary>
        public static DialogResult Show(LicenseClient client, IWin32Window owner = null)
        {
            using (var form = new LicenseForm(client)) return form.ShowDialog(owner);
        }

        /// <summary>Every error code in words for the person in front of Revit.</summary>
        public static string Describe(ErrorCode code)
        {
            return Messages.TryGetValue(code, out var text) ? text : null;
        }

        static readonly Dictionary<ErrorCode, string> Messages = new Dictionary<ErrorCode, string>
        {
            [ErrorCode.Forbidden] = "You are not allowed to do this.",
            [ErrorCode.InvalidCredentials] = "The login or password is wrong.",
            [ErrorCode.InvalidInput] = "Please check what you entered.",
            [ErrorCode.InvalidToken] = "The stored license is not valid. Activate again.",
            [ErrorCode.LicenseExpired] = "Your license has expired. Renew it with your reseller.",
            [ErrorCode.LicenseRevoked] = "This license was revoked.",
            [ErrorCode.LicenseSuspended] = "This license is suspended. Contact your reseller.",
            [ErrorCode.NotFound] = "No license of this product was found for this login.",
            [ErrorCode.NoFreeSlot] = "All seats of your license are in use. Deactivate another computer, or release it in the license manager.",
            [ErrorCode.PasswordsDoNotMatch] = "The new password and its repetition differ.",
            [ErrorCode.RateLimited] = "Too many attempts. Wait a minute and try again.",
            [ErrorCode.ReleaseLimitReached] = "This license has used up its remote releases for this year.",
            [ErrorCode.ResetTokenInvalid] = "The reset code is wrong or has expired. Ask for a new one.",
            [ErrorCode.SlotReleased] = "This computer's seat was released. Activate again.",
            [ErrorCode.UrlNotAllowed] = "The server refused that address. Contact your vendor.",
            [ErrorCode.WeakPassword] = "The new password is too weak: use a longer one.",
            [ErrorCode.ProxyAuthRefused] = "The proxy server refused the login. Enter the proxy login and password (your IT department knows them) and save.",
            [ErrorCode.ProxyRefused] = "The proxy server does not allow the license server. Ask your IT department to allow it.",
            [ErrorCode.Unreachable] = "The license server cannot be reached. Check the network and the proxy settings.",
            [ErrorCode.ServerError] = "The license server had a problem. Try again later.",
            [ErrorCode.BorrowTooLong] = "You asked to borrow this seat for longer than your license allows. Choose a shorter time.",
            [ErrorCode.NoTrial] = "This product offers no trial. Buy a license to use it.",
            [ErrorCode.TrialUsed] = "This computer already had its trial of this product. Buy a license to go on.",
            [ErrorCode.TrialNotRenewable] = "Your trial has ended and is not extended. Activate a license to go on.",
            [ErrorCode.OrderConflict] = "This order was already issued with other details. Contact your vendor.",
        };
    }

    public sealed class LicenseForm : Form
    {
        readonly LicenseClient client;
        readonly Label status = new Label { Name = "status", AutoSize = false, Width = 560, Height = 36 };
        readonly ProgressBar progress = new ProgressBar { Name = "progress", Style = ProgressBarStyle.Marquee, Width = 560, Height = 10, Visible = false };
        readonly TextBox login = new TextBox { Name = "login", Width = 300 };
        readonly TextBox password = new TextBox { Name = "password", Width = 300, UseSystemPasswordChar = true };
        readonly Button activate = new Button { Name = "activate", Text = "Activate", Width = 120 };
        readonly Button deactivate = new Button { Name = "deactivate", Text = "Deactivate", Width = 120 };
        readonly Button restore = new Button { Name = "restorePassword", Text = "Restore password", Width = 160 };
        readonly TextBox newPassword = new TextBox { Name = "newPassword", Width = 180, UseSystemPasswordChar = true };
        readonly TextBox newPasswordRepeat = new TextBox { Name = "newPasswordRepeat", Width = 180, UseSystemPasswordChar = true };
        readonly Button change = new Button { Name = "changePassword", Text = "Change password", Width = 160 };
        readonly Button refresh = new Button { Name = "licenseManager", Text = "License manager", Width = 160 };
        readonly Button release = new Button { Name = "release", Text = "Release selected computer", Width = 200 };
        readonly ListView licenses = new ListView { Name = "licenses", View = View.Details, FullRowSelect = true, Width = 560, Height = 120 };
        readonly ComboBox proxyMode = new ComboBox { Name = "proxyMode", DropDownStyle = ComboBoxStyle.DropDownList, Width = 150 };
        readonly TextBox proxyHost = new TextBox { Name = "proxyHost", Width = 200 };
        readonly TextBox proxyLogin = new TextBox { Name = "proxyLogin", Width = 140 };
        readonly TextBox proxyPassword = new TextBox { Name = "proxyPassword", Width = 140, UseSystemPasswordChar = true };
        readonly CheckBox proxyIntegrated = new CheckBox { Name = "proxyIntegrated", Text = "Use my Windows login", AutoSize = true };
        readonly Button proxySave = new Button { Name = "proxySave", Text = "Save", Width = 80 };
        readonly FlowLayoutPanel links = new FlowLayoutPanel { Name = "links", AutoSize = true, WrapContents = false };

        public LicenseForm(LicenseClient client)
        {
            this.client = client;
            Text = "License — " + client.Product;
            Font = new Font(FontFamily.GenericSansSerif, 9f);
            AutoSize = true;
            AutoSizeMode = AutoSizeMode.GrowAndShrink;
            StartPosition = FormStartPosition.CenterParent;

            var rows = new FlowLayoutPanel { FlowDirection = FlowDirection.TopDown, AutoSize = true, WrapContents = false, Padding = new Padding(10) };
            rows.Controls.Add(status);
            rows.Controls.Add(progress);
            rows.Controls.Add(Row(Caption("Login (e-mail)"), login));
            rows.Controls.Add(Row(Caption("Password"), password));
            rows.Controls.Add(Row(activate, deactivate, restore));
            rows.Controls.Add(Row(Caption("New password"), newPassword, Caption("Repeat"), newPasswordRepeat));
            rows.Controls.Add(Row(change));
            rows.Controls.Add(Row(refresh, release));
            rows.Controls.Add(licenses);
            rows.Controls.Add(Row(Caption("Proxy server"), proxyMode, proxyHost));
            rows.Controls.Add(Row(Caption("Proxy login"), proxyLogin, Caption("Password"), proxyPassword, proxyIntegrated, proxySave));
            rows.Controls.Add(links);
            Controls.Add(rows);

            foreach (var column in new[] { ("Product", 100), ("Seats", 55), ("Computer", 125), ("User", 80), ("Activated", 98), ("Last seen", 98) })
                licenses.Columns.Add(column.Item1, column.Item2);
            proxyMode.Items.AddRange(new object[] { ProxyMode.None, ProxyMode.System, ProxyMode.Explicit });
            var proxy = client.Proxy;
            proxyMode.SelectedItem = proxy.Mode;
            proxyHost.Text = proxy.Host ?? "";
            proxyLogin.Text = proxy.Login ?? "";
            proxyPassword.Text = proxy.Password ?? "";
            proxyIntegrated.Checked = proxy.IntegratedAuth;

            activate.Click += async (s, e) => await ActivateAsync();
            deactivate.Click += async (s, e) => await Run(async () => { await client.DeactivateAsync(); return "This computer's seat is free again."; });
            restore.Click += async (s, e) => await Run(async () =>
            {
                await client.RequestPasswordResetAsync(login.Text.Trim());
                return "If this e-mail has a login, a message with a reset link is on its way.";
            });
            change.Click += async (s, e) => await Run(async () =>
            {
                await client.ChangePasswordAsync(login.Text.Trim(), password.Text, newPassword.Text, newPasswordRepeat.Text);
                password.Text = newPassword.Text;
                newPassword.Text = newPasswordRepeat.Text = "";
                return "Your password was changed.";
            });
            refresh.Click += async (s, e) => await Run(async () => { await LoadLicenses(); return status.Text; });
            release.Click += async (s, e) => await Run(async () =>
            {
                if (licenses.SelectedItems.Count == 0 || !(licenses.SelectedItems[0].Tag is string id)) return "Select a computer in the license manager first.";
                await client.ReleaseAsync(login.Text.Trim(), password.Text, id);
                await LoadLicenses();
                return "The computer's seat was released.";
            });
            proxySave.Click += (s, e) =>
            {
                client.SaveProxy(new ProxySettings
                {
                    Mode = proxyMode.SelectedItem is ProxyMode mode ? mode : ProxyMode.System,
                    Host = proxyHost.Text.Trim(), Login = proxyLogin.Text.Trim(), Password = proxyPassword.Text, IntegratedAuth = proxyIntegrated.Checked,
                });
                status.Text = "Proxy settings saved.";
            };
            ShowState(client.Check());
        }

        /// <summary>What the Activate button does: activate, then show the license manager. Public so a host or a test can drive it.</summary>
        public Task ActivateAsync() => Run(async () =>
        {
            var result = await client.ActivateAsync(login.Text.Trim(), password.Text);
            ShowState(result);
            string activated = status.Text;
            await LoadLicenses();
            return activated;
        });

        static Label Caption(string text) => new Label { Text = text, AutoSize = true, Padding = new Padding(0, 6, 0, 0) };

        static FlowLayoutPanel Row(params Control[] controls)
        {
            var row = new FlowLayoutPanel { AutoSize = true, WrapContents = false, Margin = new Padding(0) };
            row.Controls.AddRange(controls);
            return row;
        }

        async Task Run(Func<Task<string>> action)
        {
            progress.Visible = true;
            UseWaitCursor = true;
            foreach (var button in new[] { activate, deactivate, restore, change, refresh, release, proxySave }) button.Enabled = false;
            try
            {
                status.Text = await action();
            }
            catch (SlotkeeperException e)
            {
                status.Text = LicenseWindow.Describe(e.Code) ?? e.Message;
            }
            finally
            {
                foreach (var button in new[] { activate, deactivate, restore, change, refresh, release, proxySave }) button.Enabled = true;
                UseWaitCursor = false;
                progress.Visible = false;
            }
        }

        void ShowState(CheckResult check)
        {
            status.Text = check.IsValid ? "Activated: " + check.Reason : check.Reason;
            if (check.Email != null && login.Text.Length == 0) login.Text = check.Email;
            links.Controls.Clear();
            var vendor = client.Links;
            foreach (var link in new[] { ("Website", vendor.Website), ("Documentation", vendor.Documentation), ("Support", vendor.Support), ("Buy", vendor.Purchase) })
            {
                if (link.Item2 == null) continue;
                var url = link.Item2;
                var button = new Button { Name = "link" + link.Item1, Text = link.Item1, AutoSize = true };
                button.Click += (s, e) => Process.Start(new ProcessStartInfo(url) { UseShellExecute = true });
                links.Controls.Add(button);
            }
        }

        async Task LoadLicenses()
        {
            var list = await client.LicensesAsync(login.Text.Trim(), password.Text);
            licenses.Items.Clear();
            foreach (var license in list)
            {
                string seats = license.SeatsUsed + " of " + license.Seats;
                if (license.Activations.Count == 0) licenses.Items.Add(new ListViewItem(new[] { license.ProductName, seats, "(no computer)", "", "", "" }));
                foreach (var a in license.Activations)
                    licenses.Items.Add(new ListViewItem(new[] { license.ProductName, seats, a.MachineName, a.OsUser, a.ActivatedAt.ToLocalTime().ToString("g"), a.LastSeenAt.ToLocalTime().ToString("g") }) { Tag = a.Id });
            }
            status.Text = list.Count + " license(s) for " + login.Text.Trim() + ".";
        }

        /// <summary>The license manager's rows as shown (computer and user per row), for hosts and tests that read the window.</summary>
        public IEnumerable<string[]> LicenseRows
        {
            get
            {
                foreach (ListViewItem item in licenses.Items)
                {
                    var cells = new string[item.SubItems.Count];
                    for (int i = 0; i < cells.Length; i++) cells[i] = item.SubItems[i].Text;
                    yield return cells;
                }
            }
        }

        public string StatusText => status.Text;

        /// <summary>Fills login and password, as the user types them.</summary>
        public void Fill(string email, string pass)
        {
            login.Text = email;
            password.Text = pass;
        }
    }
}
