// Opens the license window under Xvfb, activates from it as a user would (login, password, Activate),
// prints what it shows (control order, status, license manager rows) and saves a screenshot of the
// screen to the path given, with ImageMagick's `import -window root` (Mono's Control.DrawToBitmap
// draws nested panels blank). Run by test/dotnet.test.ts under xvfb-run.
using System;
using System.Diagnostics;
using System.IO;
using System.Windows.Forms;
using Slotkeeper;
using Slotkeeper.Forms;

static class WindowShot
{
    static string Env(string name) => Environment.GetEnvironmentVariable(name) ?? throw new Exception(name + " is not set");

    static void Walk(Control control)
    {
        foreach (Control child in control.Controls)
        {
            if (!string.IsNullOrEmpty(child.Name)) Console.WriteLine("CONTROL: " + child.Name);
            Walk(child);
        }
    }

    [STAThread]
    static int Main(string[] args)
    {
        var client = new LicenseClient(new ClientOptions
        {
            ServerUrl = Env("SK_SERVER"),
            Product = Env("SK_PRODUCT"),
            PublicKeysJson = File.ReadAllText(Env("SK_JWKS_FILE")),
            Fingerprint = "fingerprint-revit-pc-window",
            StateDirectory = Path.Combine(Env("SK_STATE_ROOT"), "window"),
            MachineName = "revit-pc-window",
            OsUser = "designer",
            Proxy = new ProxySettings { Mode = ProxyMode.Explicit, Host = Env("SK_PROXY"), Login = Env("SK_PROXY_LOGIN"), Password = Env("SK_PROXY_PASSWORD") },
        });
        var form = new LicenseForm(client);
        int exit = 1;
        form.Shown += async (s, e) =>
        {
            try
            {
                form.Fill(Env("SK_USER1_EMAIL"), Env("SK_USER1_PASSWORD"));
                await form.ActivateAsync();
                Walk(form);
                Console.WriteLine("STATUS: " + form.StatusText);
                foreach (var row in form.LicenseRows) Console.WriteLine("ROW: " + string.Join(" | ", row));
                form.Refresh();
                Application.DoEvents();
                using (var shot = Process.Start(new ProcessStartInfo("import", "-window root \"" + args[0] + "\"") { UseShellExecute = false }))
                {
                    shot.WaitForExit();
                    exit = shot.ExitCode;
                }
            }
            catch (Exception error)
            {
                Console.WriteLine("ERROR: " + error);
            }
            finally
            {
                form.Close();
            }
        };
        Application.Run(form);
        return exit;
    }
}
