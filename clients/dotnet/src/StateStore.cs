// The activation kept between runs, per user, in %LOCALAPPDATA%\<vendor>\<product> (on Mono/Linux:
// ~/.local/share/<vendor>/<product>). Sealed as the Node SDK seals its state: HMAC-SHA256 under a key
// derived (HKDF-SHA256) from the machine fingerprint, so an edit by hand (a rolled-back last-seen time)
// or a copy to another machine is detected. On Windows the sealed file is also protected with DPAPI
// for the current user, which keeps the token and the proxy password from other accounts. The seal's
// key can be computed by anyone with this code and the machine: it stops casual tampering only.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Slotkeeper
{
    internal sealed class StateStore
    {
        readonly string directory;
        readonly byte[] key;

        public StateStore(string directory, string fingerprint)
        {
            this.directory = directory;
            key = Hkdf(Encoding.UTF8.GetBytes(fingerprint), Encoding.UTF8.GetBytes("slotkeeper-state"), Encoding.UTF8.GetBytes("v1"));
        }

        public string Directory => directory;

        /// <summary>The sealed object stored as `name`; null when missing; throws InvalidDataException when the seal does not match.</summary>
        public Dictionary<string, object> Read(string name)
        {
            string path = Path.Combine(directory, name);
            if (!File.Exists(path)) return null;
            string text;
            try { text = Encoding.UTF8.GetString(Dpapi.Unprotect(File.ReadAllBytes(path))); }
            catch (CryptographicException) { throw new InvalidDataException("The stored license cannot be decrypted for this user."); }
            int newline = text.IndexOf('\n');
            if (newline < 0) throw new InvalidDataException("The stored license is not sealed.");
            string mac = text.Substring(0, newline), body = text.Substring(newline + 1);
            if (!FixedTimeEquals(Encoding.ASCII.GetBytes(mac), Encoding.ASCII.GetBytes(Mac(body))))
                throw new InvalidDataException("The stored license was changed, or made on another machine.");
            return Json.Parse(body) as Dictionary<string, object>;
        }

        public void Write(string name, Dictionary<string, object> value)
        {
            System.IO.Directory.CreateDirectory(directory);
            string body = Json.Write(value);
            string path = Path.Combine(directory, name), temp = path + ".tmp";
            File.WriteAllBytes(temp, Dpapi.Protect(Encoding.UTF8.GetBytes(Mac(body) + "\n" + body)));
            if (File.Exists(path)) File.Delete(path);
            File.Move(temp, path);
        }

        public void Delete(string name)
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path)) File.Delete(path);
        }

        string Mac(string body)
        {
            using (var hmac = new HMACSHA256(key)) return Base64Url.Encode(hmac.ComputeHash(Encoding.UTF8.GetBytes(body)));
        }

        static bool FixedTimeEquals(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            int diff = 0;
            for (int i = 0; i < a.Length; i++) diff |= a[i] ^ b[i];
            return diff == 0;
        }

        /// <summary>RFC 5869 with SHA-256, one 32-byte block (netstandard2.0 has no HKDF class).</summary>
        internal static byte[] Hkdf(byte[] ikm, byte[] salt, byte[] info)
        {
            byte[] prk;
            using (var extract = new HMACSHA256(salt)) prk = extract.ComputeHash(ikm);
            var block = new byte[info.Length + 1];
            Buffer.BlockCopy(info, 0, block, 0, info.Length);
            block[info.Length] = 1;
            using (var expand = new HMACSHA256(prk)) return expand.ComputeHash(block);
        }
    }

    /// <summary>
    /// DPAPI (CurrentUser) through crypt32 directly: ProtectedData is a NuGet package on .NET 8, and
    /// this library takes none. Off Windows the bytes pass unchanged (the seal still applies).
    /// </summary>
    internal static class Dpapi
    {
        [StructLayout(LayoutKind.Sequential)]
        struct Blob
        {
            public int Size;
            public IntPtr Data;
        }

        [DllImport("crypt32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        static extern bool CryptProtectData(ref Blob input, string description, IntPtr entropy, IntPtr reserved, IntPtr prompt, int flags, ref Blob output);

        [DllImport("crypt32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        static extern bool CryptUnprotectData(ref Blob input, IntPtr description, IntPtr entropy, IntPtr reserved, IntPtr prompt, int flags, ref Blob output);

        [DllImport("kernel32.dll")]
        static extern IntPtr LocalFree(IntPtr memory);

        const int UiForbidden = 0x1;

        public static byte[] Protect(byte[] data) => MachineFingerprint.IsWindows ? Call(data, true) : data;

        public static byte[] Unprotect(byte[] data) => MachineFingerprint.IsWindows ? Call(data, false) : data;

        static byte[] Call(byte[] data, bool protect)
        {
            var handle = GCHandle.Alloc(data, GCHandleType.Pinned);
            try
            {
                var input = new Blob { Size = data.Length, Data = handle.AddrOfPinnedObject() };
                var output = new Blob();
                bool ok = protect
                    ? CryptProtectData(ref input, "Slotkeeper license", IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, UiForbidden, ref output)
                    : CryptUnprotectData(ref input, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, UiForbidden, ref output);
                if (!ok) throw new CryptographicException(Marshal.GetLastWin32Error());
                var result = new byte[output.Size];
                Marshal.Copy(output.Data, result, 0, output.Size);
                LocalFree(output.Data);
                return result;
            }
            finally
            {
                handle.Free();
            }
        }
    }
}
