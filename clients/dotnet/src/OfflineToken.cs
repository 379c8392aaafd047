// Offline verification of a Slotkeeper token with the framework alone: RS256 through
// System.Security.Cryptography (.NET Framework and .NET 8 have no Ed25519, so a .NET plug-in's product
// signs with RS256). The same checks as the Node SDK's verify.ts: signature against the shipped keys,
// typ, aud, fp, nbf/exp. A token is accepted only as RS256 under an RSA key: EdDSA, HS256, none or an
// RSA key under 2048 bits verify nothing.
using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace Slotkeeper
{
    public enum CheckStatus
    {
        Valid,
        NotActivated,
        BadSignature,
        Expired,
        NotYetValid,
        WrongProduct,
        WrongMachine,
        /// <summary>The clock is earlier than a time this machine has already seen: set back to stretch the license.</summary>
        ClockSetBack,
        /// <summary>The stored state was edited or copied from another machine.</summary>
        Tampered,
    }

    public sealed class TokenClaims
    {
        public string ActivationId { get; internal set; }
        public string Product { get; internal set; }
        public string LicenseId { get; internal set; }
        public int Seats { get; internal set; }
        public DateTime IssuedAt { get; internal set; }
        public DateTime NotBefore { get; internal set; }
        public DateTime ExpiresAt { get; internal set; }
    }

    /// <summary>The public keys a plug-in ships (the server's /.well-known/jwks.json at build time).</summary>
    public sealed class KeySet
    {
        readonly Dictionary<string, RSAParameters> keys = new Dictionary<string, RSAParameters>();

        public static KeySet FromJwks(string jwksJson)
        {
            var set = new KeySet();
            if (!(Json.Get(Json.Parse(jwksJson), "keys") is List<object> list)) throw new FormatException("Not a JWKS: no \"keys\".");
            foreach (var jwk in list)
            {
                string kid = Json.Str(jwk, "kid"), alg = Json.Str(jwk, "alg"), use = Json.Str(jwk, "use");
                if (kid == null || Json.Str(jwk, "kty") != "RSA" || (alg != null && alg != "RS256") || (use != null && use != "sig")) continue;
                if (Json.Get(jwk, "d") != null || Json.Str(jwk, "n") == null || Json.Str(jwk, "e") == null) continue;
                var modulus = Base64Url.Decode(Json.Str(jwk, "n"));
                int bits = (modulus.Length - (modulus[0] == 0 ? 1 : 0)) * 8;
                if (bits < 2048) continue;
                set.keys[kid] = new RSAParameters { Modulus = modulus, Exponent = Base64Url.Decode(Json.Str(jwk, "e")) };
            }
            return set;
        }

        public int Count => keys.Count;

        internal bool TryGet(string kid, out RSAParameters key) => keys.TryGetValue(kid ?? "", out key);
    }

    internal static class Base64Url
    {
        public static byte[] Decode(string text)
        {
            foreach (char c in text)
                if (!(char.IsLetterOrDigit(c) && c < 128) && c != '-' && c != '_') throw new FormatException("Not base64url.");
            string s = text.Replace('-', '+').Replace('_', '/');
            return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
        }

        public static string Encode(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static class OfflineToken
    {
        public const string TokenType = "slot+jwt";

        /// <summary>The token's fp claim for a fingerprint: base64url(SHA-256(trimmed fingerprint)), as the server computes it.</summary>
        public static string FingerprintHash(string fingerprint)
        {
            using (var sha = SHA256.Create()) return Base64Url.Encode(sha.ComputeHash(Encoding.UTF8.GetBytes(fingerprint.Trim())));
        }

        public static CheckStatus Verify(string token, KeySet keys, string product, string fingerprint, DateTime nowUtc, out TokenClaims claims, out string reason)
        {
            claims = null;
            object header, payload;
            byte[] signature;
            string[] parts = (token ?? "").Split('.');
            try
            {
                if (parts.Length != 3) throw new FormatException();
                header = Json.Parse(Encoding.UTF8.GetString(Base64Url.Decode(parts[0])));
                payload = Json.Parse(Encoding.UTF8.GetString(Base64Url.Decode(parts[1])));
                signature = Base64Url.Decode(parts[2]);
            }
            catch (Exception)
            {
                reason = "The token is not a compact JWS.";
                return CheckStatus.BadSignature;
            }
            if (Json.Str(header, "alg") != "RS256" || Json.Get(header, "crit") != null)
            {
                reason = "Only RS256 tokens are accepted (the product must sign with --token-alg RS256).";
                return CheckStatus.BadSignature;
            }
            if (!keys.TryGet(Json.Str(header, "kid"), out var key))
            {
                reason = "No shipped key has this token's kid.";
                return CheckStatus.BadSignature;
            }
            using (var rsa = RSA.Create())
            {
                rsa.ImportParameters(key);
                var input = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
                if (!rsa.VerifyData(input, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                {
                    reason = "The signature does not verify.";
                    return CheckStatus.BadSignature;
                }
            }
            string typ = Json.Str(header, "typ");
            double? iat = Json.Num(payload, "iat"), nbf = Json.Num(payload, "nbf"), exp = Json.Num(payload, "exp"), seats = Json.Num(payload, "seats");
            if (typ == null || !typ.Equals(TokenType, StringComparison.OrdinalIgnoreCase) || iat == null || nbf == null || exp == null || seats == null ||
                Json.Str(payload, "sub") == null || Json.Str(payload, "lic") == null || Json.Str(payload, "fp") == null)
            {
                reason = "The token lacks Slotkeeper claims.";
                return CheckStatus.BadSignature;
            }
            claims = new TokenClaims
            {
                ActivationId = Json.Str(payload, "sub"),
                Product = Json.Str(payload, "aud"),
                LicenseId = Json.Str(payload, "lic"),
                Seats = (int)seats.Value,
                IssuedAt = FromUnix(iat.Value),
                NotBefore = FromUnix(nbf.Value),
                ExpiresAt = FromUnix(exp.Value),
            };
            long now = (long)Math.Floor((nowUtc - Epoch).TotalSeconds);
            if (claims.Product != product) { reason = "The token is for another product."; return CheckStatus.WrongProduct; }
            if (nbf.Value > now) { reason = "The license has not started yet."; return CheckStatus.NotYetValid; }
            if (exp.Value <= now) { reason = "The offline token has expired."; return CheckStatus.Expired; }
            if (Json.Str(payload, "fp") != FingerprintHash(fingerprint)) { reason = "The token was issued to another machine."; return CheckStatus.WrongMachine; }
            reason = "The license is valid until " + claims.ExpiresAt.ToString("yyyy-MM-dd") + ".";
            return CheckStatus.Valid;
        }

        static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        static DateTime FromUnix(double seconds) => Epoch.AddSeconds(seconds);
    }
}
