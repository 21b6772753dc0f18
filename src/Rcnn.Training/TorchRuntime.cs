using System.Runtime.InteropServices;
using TorchSharp;

namespace Rcnn.Training;

/// <summary>
/// Loads TorchSharp's native backend once and turns a failure into a message that says what to do; switches libtorch's
/// oneDNN (mkldnn) and NNPACK CPU kernels, which TorchSharp does not expose (PyTorch's <c>torch.backends.mkldnn.enabled</c>
/// and <c>torch.backends.nnpack.set_flags</c>). Loading turns NNPACK off (see <see cref="SetNnpackEnabled"/>).
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
    public static bool IsMkldnnEnabled => GetFlag(f => f.GetMkldnn);

    /// <summary>
    /// Turns libtorch's oneDNN (mkldnn) kernels on or off for the whole process (<c>at::Context::setUserEnabledMkldnn</c>,
    /// PyTorch's <c>torch.backends.mkldnn.enabled = ...</c>); with it off, CPU convolutions use libtorch's own kernels.
    /// Used to avoid a oneDNN crash in R-50 training on some CPUs (DEVELOPERS.md, "oneDNN switch"). Linux and macOS only:
    /// the entry points are found by their Itanium C++ names in libtorch_cpu.
    /// </summary>
    public static void SetMkldnnEnabled(bool enabled) => SetFlag(f => f.SetMkldnn, enabled);

    /// <summary>Whether libtorch may use NNPACK convolutions (<c>at::Context::userEnabledNNPACK</c>); off once loaded.</summary>
    public static bool IsNnpackEnabled => GetFlag(f => f.GetNnpack);

    /// <summary>
    /// Turns libtorch's NNPACK convolutions on or off for the whole process (<c>at::Context::setUserEnabledNNPACK</c>).
    /// Loading turns them off: libtorch only runs NNPACK for batches of 16 or more images that oneDNN does not take,
    /// which this detector never feeds, yet it asks NNPACK whether the CPU is supported before it checks the batch, and
    /// on CPUs NNPACK does not support (e.g. these AMD EPYC VMs) that logs "Could not initialize NNPACK! Reason:
    /// Unsupported hardware." for every small convolution of an inference (about 600 lines per BCCD evaluation).
    /// </summary>
    public static void SetNnpackEnabled(bool enabled) => SetFlag(f => f.SetNnpack, enabled);

    // The entry points are resolved only after loading (EnsureLoaded first), so the loader returns TorchSharp's copy.
    private static unsafe bool GetFlag(Func<ContextFunctions, IntPtr> getter)
    {
        EnsureLoaded();
        var f = Functions.Value;
        return ((delegate* unmanaged<IntPtr, byte>)getter(f))(((delegate* unmanaged<IntPtr>)f.Context)()) != 0;
    }

    private static void SetFlag(Func<ContextFunctions, IntPtr> setter, bool enabled)
    {
        EnsureLoaded();
        WriteFlag(setter, enabled);
    }

    // Without EnsureLoaded: also called from TryLoad, inside the load itself.
    private static unsafe void WriteFlag(Func<ContextFunctions, IntPtr> setter, bool enabled)
    {
        var f = Functions.Value;
        ((delegate* unmanaged<IntPtr, byte, void>)setter(f))(((delegate* unmanaged<IntPtr>)f.Context)(), enabled ? (byte)1 : (byte)0);
    }

    private static readonly Lazy<ContextFunctions> Functions = new(ResolveContextFunctions);

    private sealed record ContextFunctions(IntPtr Context, IntPtr GetMkldnn, IntPtr SetMkldnn, IntPtr GetNnpack, IntPtr SetNnpack);

    // Call only once TorchSharp has loaded libtorch_cpu, so the loader returns that copy.
    private static ContextFunctions ResolveContextFunctions()
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("Switching oneDNN or NNPACK needs libtorch's C++ entry points by their Itanium names (Linux, macOS).");
        string name = OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        if (!NativeLibrary.TryLoad(name, typeof(torch).Assembly, null, out IntPtr lib) && !NativeLibrary.TryLoad(name, out lib))
            throw new DllNotFoundException($"{name} is not loadable, although TorchSharp loaded its backend.");
        IntPtr Export(string symbol) => NativeLibrary.TryGetExport(lib, symbol, out IntPtr p) ? p
            : throw new EntryPointNotFoundException($"{name} has no {symbol}; this libtorch version is not supported by the oneDNN/NNPACK switches.");
        // at::globalContext(); at::Context::userEnabledMkldnn() const, setUserEnabledMkldnn(bool); the same for NNPACK
        return new(Export("_ZN2at13globalContextEv"), Export("_ZNK2at7Context17userEnabledMkldnnEv"), Export("_ZN2at7Context20setUserEnabledMkldnnEb"),
            Export("_ZNK2at7Context17userEnabledNNPACKEv"), Export("_ZN2at7Context20setUserEnabledNNPACKEb"));
    }

    /// <summary>Turns NNPACK off right after loading (<see cref="SetNnpackEnabled"/>); where libtorch's entry points
    /// cannot be found (Windows, another libtorch) it stays on, which only costs the log lines.</summary>
    private static void TurnNnpackOff()
    {
        try
        {
            WriteFlag(f => f.SetNnpack, false);
        }
        catch (Exception e) when (e is PlatformNotSupportedException or DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    private static Exception? TryLoad()
    {
        try
        {
            using (torch.zeros(1)) { }
            TurnNnpackOff();
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
