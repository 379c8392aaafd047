// Where the license window goes in a Revit add-in (not compiled here: it needs RevitAPI.dll and
// RevitAPIUI.dll from a Revit installation). The add-in ships Slotkeeper.dll, Slotkeeper.Forms.dll and
// its product's JWKS (pnpm cli keys … / GET /.well-known/jwks.json at build time) as an embedded
// resource, checks the license offline at start-up, and opens the window from a ribbon button.
using System;
using System.IO;
using System.Reflection;
using Autodesk.Revit.Attributes;
using Autodesk.Revit.DB;
using Autodesk.Revit.UI;
using Slotkeeper;
using Slotkeeper.Forms;

namespace Vendor.RevitTools
{
    public class RevitApplication : IExternalApplication
    {
        internal static LicenseClient License { get; private set; }

        public Result OnStartup(UIControlledApplication application)
        {
            License = new LicenseClient(new ClientOptions
            {
                ServerUrl = "https://licenses.vendor.example",
                Product = "revit-tools",
                Vendor = "Vendor",
                PublicKeysJson = Resource("Vendor.RevitTools.jwks.json"),
            });
            var panel = application.CreateRibbonPanel("Revit Tools");
            panel.AddItem(new PushButtonData("License", "License", Assembly.GetExecutingAssembly().Location, typeof(OpenLicenseWindow).FullName));
            return Result.Succeeded;
        }

        public Result OnShutdown(UIControlledApplication application)
        {
            License?.Dispose();
            return Result.Succeeded;
        }

        static string Resource(string name)
        {
            using (var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name))
            using (var reader = new StreamReader(stream)) return reader.ReadToEnd();
        }
    }

    [Transaction(TransactionMode.ReadOnly)]
    public class OpenLicenseWindow : IExternalCommand
    {
        public Result Execute(ExternalCommandData data, ref string message, ElementSet elements)
        {
            LicenseWindow.Show(RevitApplication.License, new RevitWindow(data.Application.MainWindowHandle));
            return Result.Succeeded;
        }

        sealed class RevitWindow : System.Windows.Forms.IWin32Window
        {
            public RevitWindow(IntPtr handle) { Handle = handle; }
            public IntPtr Handle { get; }
        }
    }

    /// <summary>A command of the add-in that needs the license: the offline check, no network.</summary>
    [Transaction(TransactionMode.Manual)]
    public class LicensedCommand : IExternalCommand
    {
        public Result Execute(ExternalCommandData data, ref string message, ElementSet elements)
        {
            var check = RevitApplication.License.Check();
            if (!check.IsValid)
            {
                message = check.Reason;
                LicenseWindow.Show(RevitApplication.License, new OpenLicenseWindowOwner(data));
                return Result.Cancelled;
            }
            // … the command's work …
            return Result.Succeeded;
        }

        sealed class OpenLicenseWindowOwner : System.Windows.Forms.IWin32Window
        {
            public OpenLicenseWindowOwner(ExternalCommandData data) { Handle = data.Application.MainWindowHandle; }
            public IntPtr Handle { get; }
        }
    }
}
