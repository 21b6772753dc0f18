using System.Diagnostics;
using Rcnn.Build;
using Rcnn.Training;
using TorchSharp;

namespace Rcnn.Training.Tests.Build;

[TestClass]
public class LibTorchSharpCompatTests
{
    [TestMethod]
    public void TorchSharpLoadsInThisProcess()
    {
        TorchRuntime.EnsureLoaded();
        using var t = torch.arange(4, dtype: torch.float32);
        Assert.AreEqual(6f, t.sum().item<float>());
    }

    [TestMethod]
    public void OutputCopyIsPatchedOnlyWhenTheSystemNeedsIt()
    {
        string lib = FindOutputLibTorchSharp();
        var bytes = File.ReadAllBytes(lib);
        var need = ElfDynamicPatcher.GetVersionNeeds(bytes).Single(n => n.Version == PatchLibTorchSharpNames.Version);
        string? stdcxx = SystemLibStdCxx.Locate();
        bool systemHasIt = stdcxx != null && SystemLibStdCxx.Provides(stdcxx, PatchLibTorchSharpNames.Version);
        bool patched = ElfDynamicPatcher.GetNeeded(bytes).Contains(PatchLibTorchSharpNames.Shim);
        Assert.AreEqual(!systemHasIt, patched, "the shim must be in DT_NEEDED exactly when the system libstdc++ lacks the version");
        Assert.AreEqual(!systemHasIt, need.Weak);
        if (patched) Assert.IsTrue(File.Exists(Path.Combine(Path.GetDirectoryName(lib)!, PatchLibTorchSharpNames.Shim)));
    }

    [TestMethod]
    public void PatchedCopyOfTheShippedLibraryKeepsEveryOtherDependency()
    {
        string shipped = Path.Combine(NuGetPackages(), "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(shipped)) Assert.Inconclusive($"{shipped} is not in the NuGet cache");
        var original = File.ReadAllBytes(shipped);
        var patched = ElfDynamicPatcher.AddNeededAndWeakenVersion(original, "libExample.so", PatchLibTorchSharpNames.Version);

        var before = ElfDynamicPatcher.GetNeeded(original);
        CollectionAssert.AreEqual(before.Append("libExample.so").ToList(), ElfDynamicPatcher.GetNeeded(patched).ToList());
        var needsBefore = ElfDynamicPatcher.GetVersionNeeds(original);
        var needsAfter = ElfDynamicPatcher.GetVersionNeeds(patched);
        Assert.AreEqual(needsBefore.Count, needsAfter.Count);
        for (int i = 0; i < needsBefore.Count; i++)
        {
            Assert.AreEqual(needsBefore[i].Version, needsAfter[i].Version);
            Assert.AreEqual(needsBefore[i].Weak || needsBefore[i].Version == PatchLibTorchSharpNames.Version, needsAfter[i].Weak);
        }
        Assert.ThrowsExactly<InvalidOperationException>(() =>
            ElfDynamicPatcher.AddNeededAndWeakenVersion(patched, "libExample.so", PatchLibTorchSharpNames.Version));
    }

    [TestMethod]
    public void PatchedLibraryLoadsAndResolvesThroughTheAddedDependency()
    {
        // A library built here that calls a function it does not define; the patch adds the library that does.
        if (!HasCompiler()) Assert.Inconclusive("g++ is not installed");
        string dir = Directory.CreateTempSubdirectory("elfpatch").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "provider.c"), "int rcnn_answer(void) { return 42; }\n");
            File.WriteAllText(Path.Combine(dir, "user.c"), "extern int rcnn_answer(void);\nint rcnn_call(void) { return rcnn_answer() + 1; }\n");
            Run("gcc", $"-shared -fPIC -o {dir}/libprovider.so {dir}/provider.c");
            Run("gcc", $"-shared -fPIC -Wl,-z,now -o {dir}/libuser.so {dir}/user.c");
            var bytes = File.ReadAllBytes(Path.Combine(dir, "libuser.so"));
            Assert.IsFalse(ElfDynamicPatcher.GetNeeded(bytes).Contains("libprovider.so"));
            Assert.IsFalse(CanLoad(Path.Combine(dir, "libuser.so")), "without the dependency the unresolved symbol must fail to load (-z now)");

            // libuser has no version needs of its own to weaken: patch DT_NEEDED only, through the same code path.
            var patched = ElfDynamicPatcher.AddNeeded(bytes, "libprovider.so");
            File.WriteAllBytes(Path.Combine(dir, "libuser2.so"), patched);
            Assert.IsTrue(CanLoad(Path.Combine(dir, "libuser2.so"), dir), "the patched library must load with its new dependency");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static bool CanLoad(string path, string? ldLibraryPath = null)
    {
        var psi = new ProcessStartInfo("python3", $"-c \"import ctypes,sys; lib=ctypes.CDLL('{path}'); sys.exit(0 if lib.rcnn_call()==43 else 3)\"")
        { RedirectStandardError = true, RedirectStandardOutput = true };
        if (ldLibraryPath != null) psi.Environment["LD_LIBRARY_PATH"] = ldLibraryPath;
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        return p.ExitCode == 0;
    }

    private static bool HasCompiler()
    {
        try { Run("gcc", "--version"); return true; }
        catch (Exception) { return false; }
    }

    private static void Run(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args} failed: {err}");
    }

    private static string FindOutputLibTorchSharp()
    {
        string baseDir = AppContext.BaseDirectory;
        foreach (var candidate in new[] { Path.Combine(baseDir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"), Path.Combine(baseDir, "libLibTorchSharp.so") })
            if (File.Exists(candidate)) return candidate;
        Assert.Inconclusive("no libLibTorchSharp.so in the test output (not linux-x64?)");
        return "";
    }

    private static string NuGetPackages() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
