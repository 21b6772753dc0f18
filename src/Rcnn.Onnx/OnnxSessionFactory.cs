using Microsoft.ML.OnnxRuntime;

namespace Rcnn.Onnx;

/// <summary>
/// Creates ONNX Runtime sessions for exported models with all graph optimisations on: on the CUDA execution provider
/// when a GPU is asked for and this ONNX Runtime build has it (Microsoft.ML.OnnxRuntime.Gpu, built with
/// <c>-p:RcnnGpu=true</c>), else on the CPU, telling <c>log</c> why it fell back. The CUDA path is untested here
/// (no GPU package is served to this build).
/// </summary>
public static class OnnxSessionFactory
{
    public const string CudaProvider = "CUDAExecutionProvider";

    public static InferenceSession Create(string modelPath, int? gpuDeviceId = null, Action<string>? log = null, int intraOpThreads = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"ONNX model '{modelPath}' does not exist.", modelPath);
        var options = CreateOptions(gpuDeviceId, log, intraOpThreads);
        try { return new InferenceSession(modelPath, options); }
        finally { options.Dispose(); }
    }

    public static InferenceSession Create(byte[] model, int? gpuDeviceId = null, Action<string>? log = null, int intraOpThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        var options = CreateOptions(gpuDeviceId, log, intraOpThreads);
        try { return new InferenceSession(model, options); }
        finally { options.Dispose(); }
    }

    /// <summary>Session options with ORT_ENABLE_ALL and, when possible, CUDA on <paramref name="gpuDeviceId"/>.</summary>
    /// <param name="intraOpThreads">Threads for one operator; 0 lets ONNX Runtime choose.</param>
    public static SessionOptions CreateOptions(int? gpuDeviceId = null, Action<string>? log = null, int intraOpThreads = 0)
    {
        if (gpuDeviceId is < 0) throw new ArgumentOutOfRangeException(nameof(gpuDeviceId), gpuDeviceId, "GPU device id must be >= 0.");
        if (intraOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(intraOpThreads), intraOpThreads, "must be >= 0 (0 = default).");
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = intraOpThreads };
        if (gpuDeviceId is not { } device) return options;
        var available = OrtEnv.Instance().GetAvailableProviders();
        if (!available.Contains(CudaProvider))
        {
            log?.Invoke($"GPU {device} requested, but this ONNX Runtime build has no {CudaProvider} " +
                $"(available: {string.Join(", ", available)}); scoring on the CPU.");
            return options;
        }
        try
        {
            options.AppendExecutionProvider_CUDA(device);
        }
        catch (OnnxRuntimeException e)
        {
            log?.Invoke($"GPU {device} requested, but the CUDA execution provider failed to start ({e.Message}); scoring on the CPU.");
        }
        return options;
    }
}
