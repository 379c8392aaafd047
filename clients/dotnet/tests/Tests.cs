// The C# client against a real Slotkeeper server through a real authenticating proxy (squid), run by
// test/dotnet.test.ts, which starts both and passes them in the environment. Prints one line per case
// and "N passed, M failed"; halfway it asks (on stdout) for the server to be stopped and waits for a
// line on stdin, for the offline check.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using Slotkeeper;
using Slotkeeper.Forms;

sealed class Case
{
    public Case(string name, Func<Task> run) { Name = name; Run = run; }
    public string Name { get; }
    public Func<Task> Run { get; }
}

static class Tests
{
    static string Env(string name) => Environment.GetEnvironmentVariable(name) ?? throw new Exception(name + " is not set");

    static readonly string Jwks = File.ReadAllText(Env("SK_JWKS_FILE"));
    static readonly string StateRoot = Env("SK_STATE_ROOT");

    static ProxySettings Squid(string password = null) => new ProxySettings
    {
        Mode = ProxyMode.Explicit, Host = Env("SK_PROXY"), Login = Env("SK_PROXY_LOGIN"), Password = password ?? Env("SK_PROXY_PASSWORD"),
    };

    static LicenseClient Machine(string name, ProxySettings proxy = null, string server = null, Func<DateTime> clock = null) => new LicenseClient(new ClientOptions
    {
        ServerUrl = server ?? Env("SK_SERVER"),
        Product = Env("SK_PRODUCT"),
        Vendor = "Test Vendor",
        PublicKeysJson = Jwks,
        Fingerprint = "fingerprint-" + name,
        StateDirectory = Path.Combine(StateRoot, name),
        MachineName = name,
        OsUser = "designer",
        Proxy = proxy ?? Squid(),
        UtcNow = clock ?? (() => DateTime.UtcNow),
    });

    static void Expect(bool condition, string what)
    {
        if (!condition) throw new Exception(what);
    }

    static async Task<SlotkeeperException> Refused(Func<Task> call)
    {
        try { await call(); }
        catch (SlotkeeperException e) { return e; }
        throw new Exception("expected a SlotkeeperException, the call succeeded");
    }

    static string B64(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    static string B64(string text) => B64(Encoding.UTF8.GetBytes(text));
    static string Unb64(string part)
    {
        string s = part.Replace('-', '+').Replace('_', '/');
        return Encoding.UTF8.GetString(Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4)));
    }

    static CheckStatus Offline(string token, string fingerprintOf = "revit-pc-a") =>
        OfflineToken.Verify(token, KeySet.FromJwks(Jwks), Env("SK_PRODUCT"), "fingerprint-" + fingerprintOf, DateTime.UtcNow, out _, out _);

    static int Main()
    {
        string user1 = Env("SK_USER1_EMAIL"), pass1 = Env("SK_USER1_PASSWORD");
        string user2 = Env("SK_USER2_EMAIL"), pass2 = Env("SK_USER2_PASSWORD");
        var a = Machine("revit-pc-a");
        var cases = new List<Case>();
        cases.Add(new Case("activate through the proxy", async () =>
        {
            var result = await a.ActivateAsync(user1, pass1);
            Expect(result.Status == CheckStatus.Valid, "status " + result.Status + ": " + result.Reason);
            Expect(result.Claims.Product == Env("SK_PRODUCT") && result.Claims.Seats == 3, "claims");
            Expect(a.Links.Support == "https://vendor.example/support", "support link " + a.Links.Support);
        }));
        cases.Add(new Case("renew", async () =>
        {
            string before = a.Token;
            await Task.Delay(1100);
            var result = await a.RenewAsync();
            Expect(result.Status == CheckStatus.Valid, "status " + result.Status);
            Expect(a.Token != before, "the token did not change");
        }));
        cases.Add(new Case("borrow up to the product's maximum; longer is BorrowTooLong", async () =>
        {
            var error = await Refused(() => a.ActivateAsync(user1, pass1, 8 * 86400));
            Expect(error.Code == ErrorCode.BorrowTooLong && error.MaxBorrowSeconds == 7 * 86400, "refusal " + error.Code + " " + error.MaxBorrowSeconds);
            var result = await a.ActivateAsync(user1, pass1, 7 * 86400);
            Expect(result.Status == CheckStatus.Valid, "status " + result.Status);
            // This product has no lease: its tokens live until the license expires, beyond any borrow.
            var lent = result.Claims.ExpiresAt - result.Claims.IssuedAt;
            Expect(lent.TotalSeconds >= 7 * 86400 - 1, "borrowed for " + lent);
        }));
        cases.Add(new Case("license manager lists the machine", async () =>
        {
            var licenses = (await a.LicensesAsync(user1, pass1)).Where(l => l.ProductCode == Env("SK_PRODUCT")).ToList();
            var machines = licenses.SelectMany(l => l.Activations).Select(x => x.MachineName + "/" + x.OsUser).ToList();
            Expect(licenses.Count == 1 && licenses[0].Seats == 3 && licenses[0].SeatsUsed == machines.Count, "licenses");
            Expect(machines.Contains("revit-pc-a/designer"), "machines: " + string.Join(", ", machines));
        }));
        cases.Add(new Case("remote release", async () =>
        {
            var b = Machine("revit-pc-b");
            await b.ActivateAsync(user1, pass1);
            var held = (await a.LicensesAsync(user1, pass1)).SelectMany(l => l.Activations).Single(x => x.MachineName == "revit-pc-b");
            await a.ReleaseAsync(user1, pass1, held.Id);
            var after = (await a.LicensesAsync(user1, pass1)).SelectMany(l => l.Activations).Select(x => x.MachineName).ToList();
            Expect(!after.Contains("revit-pc-b") && after.Contains("revit-pc-a"), "after release: " + string.Join(", ", after));
            var renewed = await Refused(() => b.RenewAsync());
            Expect(renewed.Code == ErrorCode.SlotReleased, "renew of the released machine: " + renewed.Code);
        }));
        cases.Add(new Case("deactivate", async () =>
        {
            var e = Machine("revit-pc-e");
            await e.ActivateAsync(user1, pass1);
            await e.DeactivateAsync();
            Expect(e.Check().Status == CheckStatus.NotActivated, "still activated");
            var after = (await a.LicensesAsync(user1, pass1)).SelectMany(l => l.Activations).Select(x => x.MachineName).ToList();
            Expect(!after.Contains("revit-pc-e"), "still listed");
        }));
        cases.Add(new Case("password reset request", async () =>
        {
            await a.RequestPasswordResetAsync(user1);
            await a.RequestPasswordResetAsync("nobody-" + Guid.NewGuid().ToString("N") + "@example.com");
        }));
        cases.Add(new Case("password reset with a wrong code, change with a different repetition", async () =>
        {
            var reset = await Refused(() => a.ResetPasswordAsync("skr_not-a-real-code-at-all", "N3w-Passw0rd-long!", "N3w-Passw0rd-long!"));
            Expect(reset.Code == ErrorCode.ResetTokenInvalid, "reset: " + reset.Code);
            var change = await Refused(() => a.ChangePasswordAsync(user1, pass1, "N3w-Passw0rd-long!", "N3w-Passw0rd-other!"));
            Expect(change.Code == ErrorCode.PasswordsDoNotMatch, "change: " + change.Code);
        }));
        cases.Add(new Case("wrong password", async () =>
        {
            var error = await Refused(() => Machine("revit-pc-w").ActivateAsync(user1, "not-the-password"));
            Expect(error.Code == ErrorCode.InvalidCredentials, "code " + error.Code);
            var change = await Refused(() => a.ChangePasswordAsync(user1, "not-the-password", "N3w-Passw0rd-long!", "N3w-Passw0rd-long!"));
            Expect(change.Code == ErrorCode.InvalidCredentials, "change password: " + change.Code);
        }));
        cases.Add(new Case("no free slot", async () =>
        {
            await Machine("revit-pc-c").ActivateAsync(user2, pass2);
            var error = await Refused(() => Machine("revit-pc-d").ActivateAsync(user2, pass2));
            Expect(error.Code == ErrorCode.NoFreeSlot && error.Seats == 1 && error.Used == 1, "code " + error.Code + " seats " + error.Seats + " used " + error.Used);
        }));
        cases.Add(new Case("tampered token refused", () =>
        {
            string[] parts = a.Token.Split('.');
            var payload = Unb64(parts[1]).Replace("\"seats\":3", "\"seats\":300");
            Expect(payload.Contains("\"seats\":300"), "no seats claim to change");
            Expect(Offline(parts[0] + "." + B64(payload) + "." + parts[2]) == CheckStatus.BadSignature, "more seats accepted");
            char last = parts[2][10];
            string flipped = parts[2].Substring(0, 10) + (last == 'A' ? 'B' : 'A') + parts[2].Substring(11);
            Expect(Offline(parts[0] + "." + parts[1] + "." + flipped) == CheckStatus.BadSignature, "changed signature accepted");
            Expect(Offline(a.Token, "revit-pc-z") == CheckStatus.WrongMachine, "another machine's fingerprint accepted");
            Expect(Offline(a.Token) == CheckStatus.Valid, "the genuine token is refused");
            return Task.CompletedTask;
        }));
        cases.Add(new Case("wrong-algorithm tokens refused", () =>
        {
            string[] parts = a.Token.Split('.');
            string header = Unb64(parts[0]);
            Func<string, string> input = alg => B64(header.Replace("\"RS256\"", "\"" + alg + "\"")) + "." + parts[1];
            Expect(Offline(input("EdDSA") + "." + parts[2]) == CheckStatus.BadSignature, "RS256 signature relabelled EdDSA accepted");
            Expect(Offline(input("none") + ".") == CheckStatus.BadSignature, "alg none accepted");
            using (var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(Jwks)))
                Expect(Offline(input("HS256") + "." + B64(hmac.ComputeHash(Encoding.ASCII.GetBytes(input("HS256"))))) == CheckStatus.BadSignature, "HS256 keyed with the JWKS accepted");
            string eddsa = Env("SK_EDDSA_TOKEN");
            Expect(Offline(eddsa) == CheckStatus.BadSignature, "a genuine EdDSA token accepted");
            return Task.CompletedTask;
        }));
        cases.Add(new Case("tampered state refused", () =>
        {
            var c = Machine("revit-pc-c");
            Expect(c.Check().Status == CheckStatus.Valid, "not valid before the edit");
            string file = Path.Combine(c.StateDirectory, "license.sealed");
            File.WriteAllText(file, File.ReadAllText(file).Replace("\"lastSeen\":", "\"lastSeen\":1"));
            Expect(c.Check().Status == CheckStatus.Tampered, "an edited state accepted");
            return Task.CompletedTask;
        }));
        cases.Add(new Case("clock set back refused", () =>
        {
            Expect(a.Check().Status == CheckStatus.Valid, "not valid now");
            var back = Machine("revit-pc-a", clock: () => DateTime.UtcNow.AddDays(-2));
            Expect(back.Check().Status == CheckStatus.ClockSetBack, "a clock two days back accepted");
            return Task.CompletedTask;
        }));
        cases.Add(new Case("proxy refused", async () =>
        {
            var wrong = await Refused(() => Machine("revit-pc-p", Squid("wrong-password")).RequestPasswordResetAsync(user1));
            Expect(wrong.Code == ErrorCode.ProxyAuthRefused, "wrong proxy password: " + wrong.Code);
            var anonymous = await Refused(() => Machine("revit-pc-p", new ProxySettings { Mode = ProxyMode.Explicit, Host = Env("SK_PROXY") }).RequestPasswordResetAsync(user1));
            Expect(anonymous.Code == ErrorCode.ProxyAuthRefused, "no proxy login: " + anonymous.Code);
            var rules = await Refused(() => Machine("revit-pc-p", server: "http://127.0.0.1:1000").RequestPasswordResetAsync(user1));
            Expect(rules.Code == ErrorCode.ProxyRefused, "a port the proxy forbids: " + rules.Code);
        }));
        cases.Add(new Case("proxy unreachable", async () =>
        {
            var proxy = new ProxySettings { Mode = ProxyMode.Explicit, Host = "127.0.0.1:" + Env("SK_CLOSED_PORT") };
            var error = await Refused(() => Machine("revit-pc-u", proxy).ActivateAsync(user1, pass1));
            Expect(error.Code == ErrorCode.Unreachable, "code " + error.Code);
        }));
        cases.Add(new Case("saved proxy settings are used", async () =>
        {
            var saved = Machine("revit-pc-s", new ProxySettings { Mode = ProxyMode.Explicit, Host = "127.0.0.1:" + Env("SK_CLOSED_PORT") });
            saved.SaveProxy(Squid());
            await saved.RequestPasswordResetAsync(user1);
            Expect(Machine("revit-pc-s", new ProxySettings { Mode = ProxyMode.None }).Proxy.Login == Env("SK_PROXY_LOGIN"), "not saved");
        }));
        cases.Add(new Case("every error code in plain words", () =>
        {
            var missing = Enum.GetValues(typeof(ErrorCode)).Cast<ErrorCode>().Where(code => string.IsNullOrEmpty(LicenseWindow.Describe(code))).ToList();
            Expect(missing.Count == 0, "no words for " + string.Join(", ", missing));
            return Task.CompletedTask;
        }));
        cases.Add(new Case("offline check VALID with the server stopped", async () =>
        {
            Console.WriteLine("STOP-SERVER");
            Console.Out.Flush();
            Console.In.ReadLine();
            var offline = await Refused(() => Machine("revit-pc-a").RenewAsync());
            Expect(offline.Code == ErrorCode.Unreachable, "the server still answers: " + offline.Code);
            var check = Machine("revit-pc-a").Check();
            Expect(check.Status == CheckStatus.Valid, "status " + check.Status + ": " + check.Reason);
        }));
        int passed = 0, failed = 0;
        foreach (var test in cases)
        {
            string name = test.Name;
            var run = test.Run;
            try
            {
                run().GetAwaiter().GetResult();
                passed++;
                Console.WriteLine("ok - " + name);
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine("not ok - " + name + ": " + e.Message);
            }
        }
        Console.WriteLine(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
