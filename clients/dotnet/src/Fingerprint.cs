// The default machine fingerprint. On Windows: the installation's MachineGuid (registry, 64-bit view)
// and the serial number of the system volume, hashed, so the same machine gives the same value across
// users, restarts and add-in updates, and neither raw identifier leaves the machine. Elsewhere (Mono on
// Linux, used for the tests): /etc/machine-id. A vendor may pass its own (ClientOptions.Fingerprint).
using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Slotkeeper
{
    public static class MachineFingerprint
    {
        public static string Default()
        {
            string source = IsWindows ? "win32:" + WindowsMachineGuid() + ":" + SystemVolumeSerial() : "file:" + FirstFile("/etc/machine-id", "/var/lib/dbus/machine-id");
            using (var sha = SHA256.Create())
                return BitConverter.ToString(sha.ComputeHash(Encoding.UTF8.GetBytes(source))).Replace("-", "").ToLowerInvariant();
        }

        internal static bool IsWindows => Environment.OSVersion.Platform == PlatformID.Win32NT;

        static string WindowsMachineGuid()
        {
            using (var hklm = Microsoft.Win32.RegistryKey.OpenBaseKey(Microsoft.Win32.RegistryHive.LocalMachine, Microsoft.Win32.RegistryView.Registry64))
            using (var key = hklm.OpenSubKey(@"SOFTWARE\Microsoft\Cryptography"))
                return key?.GetValue("MachineGuid") as string ?? Environment.MachineName;
        }

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        static extern bool GetVolumeInformation(string root, StringBuilder name, int nameSize, out uint serial, out uint maxComponent, out uint flags, StringBuilder fs, int fsSize);

        static string SystemVolumeSerial()
        {
            string root = Path.GetPathRoot(Environment.GetFolderPath(Environment.SpecialFolder.System));
            return GetVolumeInformation(root, null, 0, out uint serial, out _, out _, null, 0) ? serial.ToString("X8") : "";
        }

        static string FirstFile(params string[] paths)
        {
            foreach (var path in paths)
                if (File.Exists(path) && File.ReadAllText(path).Trim().Length > 0) return File.ReadAllText(path).Trim();
            return Environment.MachineName;
        }
    }
}
