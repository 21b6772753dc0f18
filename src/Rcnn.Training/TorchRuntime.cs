using System.Runtime.InteropServices;
using TorchSharp;

namespace Rcnn.Training;

/// <summary>
/// Loads TorchSharp's native backend once and turns a failure into a message that says what to do; switches libtorch's
/// oneDNN (mkldnn) CPU kernels, which TorchSharp does not expose (PyTorch's <c>torch.backends.mkldnn.enabled</c>).
/// </summary>
public static class TorchRuntime
{
    private static readonly Lazy<Exception?> LoadError = new(TryLoad);

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the cause if libtorch cannot be loaded.</summary>
    public static void EnsureLoaded()
    {
        if (LoadError.Value is { } error)
            throw new InvalidOperationException(Describe(error), error);
    }

    /// <summary>
    /// Whether libtorch may use oneDNN (mkldnn) kernels, e.g. for CPU convolutions (<c>at::Context::userEnabledMkldnn</c>).
    /// On by default.
    /// </summary>
    public static unsafe bool IsMkldnnEnabled
    {
        get
        {
            var f = MkldnnFunctions.Value;
            return ((delegate* unmanaged<IntPtr, byte>)f.Get)(((delegate* unmanaged<IntPtr>)f.Context)()) != 0;
        }
    }

    /// <summary>
    /// Turns libtorch's oneDNN (mkldnn) kernels on or off for the whole process (<c>at::Context::setUserEnabledMkldnn</c>,
    /// PyTorch's <c>torch.backends.mkldnn.enabled = ...</c>); with it off, CPU convolutions use libtorch's own kernels.
    /// Used to avoid a oneDNN crash in R-50 training on some CPUs (DEVELOPERS.md, "oneDNN switch"). Linux and macOS only:
    /// the entry points are found by their Itanium C++ names in libtorch_cpu.
    /// </summary>
    public static unsafe void SetMkldnnEnabled(bool enabled)
    {
        var f = MkldnnFunctions.Value;
        ((delegate* unmanaged<IntPtr, byte, void>)f.Set)(((delegate* unmanaged<IntPtr>)f.Context)(), enabled ? (byte)1 : (byte)0);
    }

    private static readonly Lazy<(IntPtr Context, IntPtr Get, IntPtr Set)> MkldnnFunctions = new(ResolveMkldnnFunctions);

    private static (IntPtr Context, IntPtr Get, IntPtr Set) ResolveMkldnnFunctions()
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("Switching oneDNN needs libtorch's C++ entry points by their Itanium names (Linux, macOS).");
        EnsureLoaded(); // TorchSharp has loaded libtorch_cpu by now, so the loader returns that copy
        string name = OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        if (!NativeLibrary.TryLoad(name, typeof(torch).Assembly, null, out IntPtr lib) && !NativeLibrary.TryLoad(name, out lib))
            throw new DllNotFoundException($"{name} is not loadable, although TorchSharp loaded its backend.");
        IntPtr Export(string symbol) => NativeLibrary.TryGetExport(lib, symbol, out IntPtr p) ? p
            : throw new EntryPointNotFoundException($"{name} has no {symbol}; this libtorch version is not supported by the oneDNN switch.");
        // at::globalContext(), at::Context::userEnabledMkldnn() const, at::Context::setUserEnabledMkldnn(bool)
        return (Export("_ZN2at13globalContextEv"), Export("_ZNK2at7Context17userEnabledMkldnnEv"), Export("_ZN2at7Context20setUserEnabledMkldnnEb"));
    }

    private static Exception? TryLoad()
    {
        try
        {
            using var t = torch.zeros(1);
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException)
        {
            return e;
        }
    }

    private static string Describe(Exception error)
    {
        var inner = error;
        while (inner.InnerException != null) inner = inner.InnerException;
        string hint = RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
            ? "On Linux, libLibTorchSharp.so needs GLIBCXX_3.4.32; the build patches the copy in the output folder " +
              "when the system libstdc++ lacks it (it needs g++ for that). Rebuild the project that runs this code " +
              "(dotnet build) rather than copying binaries from another machine, and see DEVELOPERS.md."
            : "Make sure a libtorch backend package (libtorch-cpu-*, or TorchSharp-cuda-* with -p:RcnnGpu=true) is referenced.";
        return $"TorchSharp's native library could not be loaded: {inner.Message}. {hint}";
    }
}
