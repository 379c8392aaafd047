// The Slotkeeper client for .NET plug-ins (Revit add-ins: .NET Framework 4.8 and .NET 8). It speaks
// GraphQL over HttpClient to /graphql rather than the REST bridge: every answer is one union with
// __typename and the server's ErrorCode, the documents are validated against the committed SDL by the
// repository's tests (operations.graphql → Contract.g.cs), and one POST route needs no per-operation
// paths or status mapping.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Slotkeeper
{
    public enum ProxyMode
    {
        /// <summary>Connect directly.</summary>
        None,
        /// <summary>The proxy Windows is set to use (Internet Options / WinHTTP), with the user's own credentials.</summary>
        System,
        /// <summary>The proxy in Host, with Login/Password, or the user's Windows credentials (NTLM/Negotiate) when IntegratedAuth.</summary>
        Explicit,
    }

    public sealed class ProxySettings
    {
        public ProxyMode Mode { get; set; } = ProxyMode.System;
        /// <summary>host:port or http://host:port.</summary>
        public string Host { get; set; }
        public string Login { get; set; }
        public string Password { get; set; }
        /// <summary>Authenticate to the proxy as the logged-on Windows user (CredentialCache.DefaultNetworkCredentials).</summary>
        public bool IntegratedAuth { get; set; }
    }

    public sealed class ClientOptions
    {
        /// <summary>The Slotkeeper server, e.g. https://licenses.vendor.example.</summary>
        public string ServerUrl { get; set; }
        /// <summary>The product code; its tokens must be RS256 (product create|update --token-alg RS256).</summary>
        public string Product { get; set; }
        /// <summary>Folder name for the stored state: %LOCALAPPDATA%\Vendor\Product.</summary>
        public string Vendor { get; set; }
        /// <summary>The JWKS (/.well-known/jwks.json) shipped in the add-in: the only keys the offline check trusts.</summary>
        public string PublicKeysJson { get; set; }
        /// <summary>Overrides the machine fingerprint (default: MachineFingerprint.Default()).</summary>
        public string Fingerprint { get; set; }
        /// <summary>Overrides the state folder.</summary>
        public string StateDirectory { get; set; }
        public string MachineName { get; set; } = Environment.MachineName;
        public string OsUser { get; set; } = Environment.UserName;
        /// <summary>Used when no proxy settings were saved.</summary>
        public ProxySettings Proxy { get; set; }
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>The clock of the offline check (tests move it).</summary>
        public Func<DateTime> UtcNow { get; set; } = () => DateTime.UtcNow;
    }

    /// <summary>An expected refusal: the server's error code (or the client's own: proxy, network).</summary>
    public sealed class SlotkeeperException : Exception
    {
        public SlotkeeperException(ErrorCode code, string message, Exception inner = null) : base(message, inner) { Code = code; }
        public ErrorCode Code { get; }
        public int? Seats { get; internal set; }
        public int? Used { get; internal set; }
        public int? RetryAfterSeconds { get; internal set; }
        /// <summary>BorrowTooLong: the longest borrow the product allows, in seconds (0: none).</summary>
        public int? MaxBorrowSeconds { get; internal set; }
    }

    public sealed class ProductLinks
    {
        public string Website { get; internal set; }
        public string Documentation { get; internal set; }
        public string Support { get; internal set; }
        public string Purchase { get; internal set; }
    }

    public sealed class ActivationInfo
    {
        public string Id { get; internal set; }
        public string MachineName { get; internal set; }
        public string OsUser { get; internal set; }
        public DateTime ActivatedAt { get; internal set; }
        public DateTime LastSeenAt { get; internal set; }
    }

    public sealed class LicenseInfo
    {
        public string Id { get; internal set; }
        public string ProductCode { get; internal set; }
        public string ProductName { get; internal set; }
        public int Seats { get; internal set; }
        public int SeatsUsed { get; internal set; }
        public DateTime ExpiresAt { get; internal set; }
        public string Status { get; internal set; }
        public List<ActivationInfo> Activations { get; } = new List<ActivationInfo>();
    }

    public sealed class CheckResult
    {
        public CheckStatus Status { get; internal set; }
        public string Reason { get; internal set; }
        /// <summary>The token's claims when the signature verified.</summary>
        public TokenClaims Claims { get; internal set; }
        public string Email { get; internal set; }
        public bool IsValid => Status == CheckStatus.Valid;
    }

    public sealed class LicenseClient : IDisposable
    {
        const string StateFile = "license.sealed";
        const string ProxyFile = "proxy.sealed";
        /// <summary>Clock drift tolerated before a time earlier than one already seen counts as set back.</summary>
        static readonly TimeSpan ClockTolerance = TimeSpan.FromMinutes(5);

        readonly ClientOptions options;
        readonly KeySet keys;
        readonly StateStore store;
        readonly string fingerprint;
        HttpClient http;
        string session;

        public LicenseClient(ClientOptions options)
        {
            if (string.IsNullOrEmpty(options.ServerUrl) || string.IsNullOrEmpty(options.Product)) throw new ArgumentException("ServerUrl and Product are required.");
            this.options = options;
            keys = KeySet.FromJwks(options.PublicKeysJson ?? "{\"keys\":[]}");
            fingerprint = options.Fingerprint ?? MachineFingerprint.Default();
            string dir = options.StateDirectory ?? Path.Combine(
                Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), options.Vendor ?? "Slotkeeper", options.Product);
            store = new StateStore(dir, fingerprint);
        }

        public string Product => options.Product;
        public string StateDirectory => store.Directory;

        // ---- proxy ----

        /// <summary>The saved proxy settings, else the options', else the system proxy.</summary>
        public ProxySettings Proxy
        {
            get
            {
                Dictionary<string, object> saved = null;
                try { saved = store.Read(ProxyFile); } catch (InvalidDataException) { }
                if (saved == null) return options.Proxy ?? new ProxySettings();
                ProxyMode mode;
                Enum.TryParse(Json.Str(saved, "mode"), out mode);
                return new ProxySettings { Mode = mode, Host = Json.Str(saved, "host"), Login = Json.Str(saved, "login"), Password = Json.Str(saved, "password"), IntegratedAuth = Json.Get(saved, "integrated") is bool b && b };
            }
        }

        /// <summary>Saves the proxy for this user (sealed; DPAPI on Windows) and uses it from the next call on.</summary>
        public void SaveProxy(ProxySettings proxy)
        {
            store.Write(ProxyFile, new Dictionary<string, object>
            {
                ["mode"] = proxy.Mode.ToString(), ["host"] = proxy.Host, ["login"] = proxy.Login, ["password"] = proxy.Password, ["integrated"] = proxy.IntegratedAuth,
            });
            http?.Dispose();
            http = null;
        }

        HttpClient Http()
        {
            if (http != null) return http;
            var proxy = Proxy;
            var handler = new HttpClientHandler { UseProxy = proxy.Mode != ProxyMode.None };
            if (proxy.Mode == ProxyMode.System)
            {
                var system = WebRequest.GetSystemWebProxy();
                system.Credentials = CredentialCache.DefaultNetworkCredentials;
                handler.Proxy = system;
            }
            else if (proxy.Mode == ProxyMode.Explicit)
            {
                string host = proxy.Host ?? "";
                var uri = new Uri(host.Contains("://") ? host : "http://" + host);
                ICredentials credentials = proxy.IntegratedAuth ? CredentialCache.DefaultNetworkCredentials
                    : string.IsNullOrEmpty(proxy.Login) ? null : new NetworkCredential(proxy.Login, proxy.Password ?? "");
                handler.Proxy = new FixedProxy(uri, credentials);
            }
            http = new HttpClient(handler) { Timeout = options.Timeout };
            return http;
        }

        /// <summary>
        /// Every request through one proxy. WebProxy would bypass loopback and local addresses on some
        /// frameworks; a corporate network that mandates its proxy expects all traffic through it.
        /// </summary>
        sealed class FixedProxy : IWebProxy
        {
            readonly Uri uri;
            public FixedProxy(Uri uri, ICredentials credentials) { this.uri = uri; Credentials = credentials; }
            public ICredentials Credentials { get; set; }
            public Uri GetProxy(Uri destination) => uri;
            public bool IsBypassed(Uri host) => false;
        }

        // ---- transport ----

        async Task<object> Call(string document, Dictionary<string, object> input, string bearer = null, CancellationToken cancel = default(CancellationToken))
        {
            var body = new Dictionary<string, object> { ["query"] = document };
            if (input != null) body["variables"] = new Dictionary<string, object> { ["input"] = input };
            var request = new HttpRequestMessage(HttpMethod.Post, options.ServerUrl.TrimEnd('/') + "/graphql")
            {
                Content = new StringContent(Json.Write(body), Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.ParseAdd("application/graphql-response+json, application/json");
            if (bearer != null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
            HttpResponseMessage response;
            try
            {
                response = await Http().SendAsync(request, cancel).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new SlotkeeperException(ErrorCode.Unreachable, "The license server or the proxy cannot be reached: " + Innermost(e).Message, e);
            }
            catch (TaskCanceledException e) when (!cancel.IsCancellationRequested)
            {
                throw new SlotkeeperException(ErrorCode.Unreachable, "The license server did not answer in time.", e);
            }
            using (response)
            {
                int status = (int)response.StatusCode;
                if (status == 407) throw new SlotkeeperException(ErrorCode.ProxyAuthRefused, "The proxy server wants a login, or refused the one given (HTTP 407).");
                string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                object parsed;
                try { parsed = Json.Parse(text); }
                catch (FormatException)
                {
                    // Not GraphQL: the answer of a proxy (or a gateway) in front of the server.
                    if (status == 403) throw new SlotkeeperException(ErrorCode.ProxyRefused, "The proxy server does not allow connections to " + new Uri(options.ServerUrl).Authority + " (HTTP 403).");
                    if (status == 502 || status == 503 || status == 504) throw new SlotkeeperException(ErrorCode.Unreachable, "The proxy server could not reach the license server (HTTP " + status + ").");
                    throw new SlotkeeperException(ErrorCode.ServerError, "The server answered HTTP " + status + " without GraphQL.");
                }
                if (Json.Get(parsed, "errors") is List<object> errors && errors.Count > 0)
                {
                    string code = Json.Str(Json.Get(errors[0], "extensions"), "code");
                    throw new SlotkeeperException(code == "RATE_LIMITED" ? ErrorCode.RateLimited : ErrorCode.ServerError, Json.Str(errors[0], "message") ?? "The server refused the request.");
                }
                return Json.Get(parsed, "data");
            }
        }

        static Exception Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e;
        }

        /// <summary>The union under `result`; throws its error as a SlotkeeperException.</summary>
        static object Success(object data, string successType)
        {
            object result = Json.Get(data, "result");
            if (Json.Str(result, "__typename") == successType) return result;
            string code = Json.Str(result, "code");
            int index = Array.IndexOf(ServerCodes.Names, code);
            var error = new SlotkeeperException(index >= 0 ? (ErrorCode)index : ErrorCode.ServerError, Json.Str(result, "message") ?? "Unexpected answer from the server.");
            error.Seats = (int?)Json.Num(result, "seats");
            error.Used = (int?)Json.Num(result, "used");
            error.RetryAfterSeconds = (int?)Json.Num(result, "retryAfterSeconds");
            error.MaxBorrowSeconds = (int?)Json.Num(result, "maxBorrowSeconds");
            throw error;
        }

        // ---- the plug-in's operations ----

        /// <summary>
        /// Takes a slot for this machine (or gets a fresh token for the one it holds) and stores the token.
        /// <paramref name="borrowSeconds"/>: a token valid that long instead of the lease (travel), up to
        /// the product's maximum, else BorrowTooLong with MaxBorrowSeconds.
        /// </summary>
        public async Task<CheckResult> ActivateAsync(string email, string password, int? borrowSeconds = null)
        {
            var input = new Dictionary<string, object>
            {
                ["email"] = email, ["password"] = password, ["product"] = options.Product,
                ["fingerprint"] = fingerprint, ["machineName"] = options.MachineName, ["osUser"] = options.OsUser,
            };
            if (borrowSeconds.HasValue) input["borrowSeconds"] = borrowSeconds.Value;
            var data = await Call(Documents.Activate, input).ConfigureAwait(false);
            var result = Success(data, "ActivateMachineSuccess");
            Store(Json.Str(result, "token"), email, Json.Get(Json.Get(result, "license"), "product"));
            return Check();
        }

        /// <summary>A fresh token for the same slot (new expiry per the product's lease).</summary>
        public async Task<CheckResult> RenewAsync()
        {
            var state = ReadState() ?? throw new SlotkeeperException(ErrorCode.NotFound, "This machine is not activated.");
            var data = await Call(Documents.Renew, new Dictionary<string, object> { ["token"] = Json.Str(state, "token") }).ConfigureAwait(false);
            var result = Success(data, "RenewTokenSuccess");
            Store(Json.Str(result, "token"), Json.Str(state, "email"), Json.Get(Json.Get(result, "license"), "product"));
            return Check();
        }

        /// <summary>
        /// Holds a floating seat (a product with a short lease) while the add-in runs: renews in the
        /// background, retries network failures, raises Heartbeat.Lost when the seat is gone. Stop or
        /// dispose it before DeactivateAsync on exit.
        /// </summary>
        public Heartbeat StartHeartbeat()
        {
            if (ReadState() == null) throw new SlotkeeperException(ErrorCode.NotFound, "This machine is not activated.");
            var claims = Check().Claims;
            return new Heartbeat(this, claims != null ? claims.ExpiresAt : DateTime.UtcNow);
        }

        /// <summary>Frees this machine's slot with its stored token, or with the login when the token is lost.</summary>
        public async Task DeactivateAsync(string email = null, string password = null)
        {
            Dictionary<string, object> state = null;
            try { state = ReadState(); } catch (InvalidDataException) { }
            var input = state != null && email == null
                ? new Dictionary<string, object> { ["token"] = Json.Str(state, "token") }
                : new Dictionary<string, object> { ["email"] = email, ["password"] = password, ["product"] = options.Product, ["fingerprint"] = fingerprint };
            Success(await Call(Documents.Deactivate, input).ConfigureAwait(false), "DeactivateMachineSuccess");
            store.Delete(StateFile);
        }

        /// <summary>The offline check: the stored token against the shipped keys, this product, this machine and this clock.</summary>
        public CheckResult Check()
        {
            Dictionary<string, object> state;
            try { state = ReadState(); }
            catch (InvalidDataException e) { return new CheckResult { Status = CheckStatus.Tampered, Reason = e.Message }; }
            if (state == null) return new CheckResult { Status = CheckStatus.NotActivated, Reason = "This machine is not activated." };
            DateTime now = options.UtcNow();
            var lastSeen = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMilliseconds(Json.Num(state, "lastSeen") ?? 0);
            var status = OfflineToken.Verify(Json.Str(state, "token"), keys, options.Product, fingerprint, now, out var claims, out var reason);
            // Checked before the token's own times: a clock set back before the license start must not read as "not yet valid".
            if ((status == CheckStatus.Valid || status == CheckStatus.NotYetValid) && now + ClockTolerance < lastSeen)
            {
                status = CheckStatus.ClockSetBack;
                reason = "The clock of this computer was set back (it shows " + now.ToString("u") + ", already seen: " + lastSeen.ToString("u") + ").";
            }
            else if (status == CheckStatus.Valid && now > lastSeen)
            {
                state["lastSeen"] = (now - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalMilliseconds;
                store.Write(StateFile, state);
            }
            return new CheckResult { Status = status, Reason = reason, Claims = claims, Email = Json.Str(state, "email") };
        }

        /// <summary>The stored offline token (null when this machine is not activated or the state was tampered with).</summary>
        public string Token
        {
            get
            {
                try { return Json.Str(ReadState(), "token"); }
                catch (InvalidDataException) { return null; }
            }
        }

        /// <summary>The vendor's links, from the product as the server last described it.</summary>
        public ProductLinks Links
        {
            get
            {
                Dictionary<string, object> state = null;
                try { state = ReadState(); } catch (InvalidDataException) { }
                var links = Json.Get(Json.Get(state, "product"), "links");
                return new ProductLinks { Website = Json.Str(links, "website"), Documentation = Json.Str(links, "documentation"), Support = Json.Str(links, "support"), Purchase = Json.Str(links, "purchase") };
            }
        }

        /// <summary>The license manager: every license of this login, seats used, and who holds each slot.</summary>
        public async Task<List<LicenseInfo>> LicensesAsync(string email, string password)
        {
            await LogInAsync(email, password).ConfigureAwait(false);
            var data = await Call(Documents.MyLicenses, null, session).ConfigureAwait(false);
            var list = new List<LicenseInfo>();
            foreach (var item in (Json.Get(data, "myLicenses") as List<object>) ?? new List<object>())
            {
                var license = new LicenseInfo
                {
                    Id = Json.Str(item, "id"),
                    ProductCode = Json.Str(Json.Get(item, "product"), "code"),
                    ProductName = Json.Str(Json.Get(item, "product"), "name"),
                    Seats = (int)(Json.Num(item, "seats") ?? 0),
                    SeatsUsed = (int)(Json.Num(item, "seatsUsed") ?? 0),
                    ExpiresAt = Date(Json.Str(item, "expiresAt")),
                    Status = Json.Str(item, "status"),
                };
                foreach (var a in (Json.Get(item, "activations") as List<object>) ?? new List<object>())
                    license.Activations.Add(new ActivationInfo
                    {
                        Id = Json.Str(a, "id"), MachineName = Json.Str(a, "machineName"), OsUser = Json.Str(a, "osUser"),
                        ActivatedAt = Date(Json.Str(a, "activatedAt")), LastSeenAt = Date(Json.Str(a, "lastSeenAt")),
                    });
                list.Add(license);
            }
            return list;
        }

        /// <summary>Frees another machine's slot from the license manager (counted against the product's yearly limit).</summary>
        public async Task ReleaseAsync(string email, string password, string activationId)
        {
            await LogInAsync(email, password).ConfigureAwait(false);
            Success(await Call(Documents.Release, new Dictionary<string, object> { ["activationId"] = activationId }, session).ConfigureAwait(false), "ReleaseActivationSuccess");
        }

        async Task LogInAsync(string email, string password)
        {
            var result = Success(await Call(Documents.LogIn, new Dictionary<string, object> { ["email"] = email, ["password"] = password }).ConfigureAwait(false), "LogInSuccess");
            session = Json.Str(result, "sessionToken");
        }

        /// <summary>Asks for a reset code by e-mail; the same answer whether or not the e-mail has a login.</summary>
        public async Task RequestPasswordResetAsync(string email) =>
            Success(await Call(Documents.RequestPasswordReset, new Dictionary<string, object> { ["email"] = email }).ConfigureAwait(false), "RequestPasswordResetSuccess");

        public async Task ResetPasswordAsync(string code, string newPassword, string newPasswordRepeat) =>
            Success(await Call(Documents.ResetPassword, new Dictionary<string, object> { ["token"] = code, ["newPassword"] = newPassword, ["newPasswordRepeat"] = newPasswordRepeat }).ConfigureAwait(false), "ResetPasswordSuccess");

        public async Task ChangePasswordAsync(string email, string currentPassword, string newPassword, string newPasswordRepeat) =>
            Success(await Call(Documents.ChangePassword, new Dictionary<string, object>
            {
                ["email"] = email, ["currentPassword"] = currentPassword, ["newPassword"] = newPassword, ["newPasswordRepeat"] = newPasswordRepeat,
            }).ConfigureAwait(false), "ChangePasswordSuccess");

        // ---- state ----

        Dictionary<string, object> ReadState() => store.Read(StateFile);

        void Store(string token, string email, object product)
        {
            Dictionary<string, object> previous = null;
            try { previous = ReadState(); } catch (InvalidDataException) { }
            double now = (options.UtcNow() - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalMilliseconds;
            store.Write(StateFile, new Dictionary<string, object>
            {
                ["format"] = 1.0, ["server"] = options.ServerUrl, ["email"] = email, ["token"] = token, ["product"] = product,
                ["lastSeen"] = Math.Max(now, Json.Num(previous, "lastSeen") ?? 0),
            });
        }

        static DateTime Date(string iso) =>
            iso == null ? DateTime.MinValue : DateTime.Parse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);

        public void Dispose() => http?.Dispose();
    }
}
