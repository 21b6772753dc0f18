using System.Runtime.InteropServices;
using TorchSharp;

namespace Rcnn.Training;

/// <summary>Loads TorchSharp's native backend once and turns a failure into a message that says what to do.</summary>
public static class TorchRuntime
{
    private static readonly Lazy<Exception?> LoadError = new(TryLoad);

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the cause if libtorch cannot be loaded.</summary>
    public static void EnsureLoaded()
    {
        if (LoadError.Value is { } error)
            throw new InvalidOperationException(Describe(error), error);
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
