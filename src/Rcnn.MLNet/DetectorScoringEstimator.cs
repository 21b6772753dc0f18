using Microsoft.ML;
using Microsoft.ML.Data;
using Rcnn.MLNet.Host;

namespace Rcnn.MLNet.Scoring;

/// <summary>
/// Scores an exported detector (FlatPixels layout) as a chain of ML.NET's own transformers, so the fitted model saves
/// and loads with <c>mlContext.Model.Save/Load</c>:
/// copy image -> CustomMapping "Rcnn.ImageToPixelBytes" (MLImage to RGB CHW bytes, height, width) -> ApplyOnnxModel
/// (the graph casts the bytes to floats itself; the ONNX bytes are stored in the model; GpuDeviceId/FallbackToCpu come
/// from the MLContext, also on load; its temporary model file goes with the chain's Dispose, <see cref="OnnxFileOwner"/>) -> copies to the output columns -> drop of the intermediate columns.
/// Outputs: <c>PredictedLabel</c> string[] (class names), <c>Score</c> float[], <c>PredictedBoundingBoxes</c> float[4N]
/// as x0, y0, x1, y1 in the scored image's own pixels, one entry per detection in descending score order.
/// </summary>
public sealed class DetectorScoringEstimator : IEstimator<TransformerChain<ITransformer>>
{
    private readonly TransformsCatalog catalog;
    private readonly byte[] onnx;

    public DetectorScoringEstimator(TransformsCatalog catalog, byte[] onnxModel, ScoringColumns? columns = null, string source = "the ONNX model")
    {
        this.catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        onnx = onnxModel ?? throw new ArgumentNullException(nameof(onnxModel));
        Columns = columns ?? new ScoringColumns();
        Columns.Validate();
        Info = DetectorOnnxInfo.Read(onnx, source);
    }

    /// <summary>
    /// Builds the chain of models saved before the byte contract: CustomMapping "Rcnn.ImageToPixels" (floats through
    /// MLImage's public API) and a float-input graph. Same outputs, slower; for comparisons in tests and benchmarks.
    /// </summary>
    internal bool FloatPixels { get; init; }

    public ScoringColumns Columns { get; }

    /// <summary>Class names and metadata read from the ONNX model.</summary>
    public DetectorOnnxInfo Info { get; }

    /// <summary>The ONNX model as given (a copy); the chain scores it re-declared by <see cref="MlNetOnnxAdapter"/>.</summary>
    public byte[] GetOnnxModel() => (byte[])onnx.Clone();

    /// <summary>
    /// The catalog whose MLContext settings the ONNX step takes. ML.NET only falls back to the CPU on an
    /// OnnxRuntimeException, but the CPU build of ONNX Runtime fails a CUDA request with EntryPointNotFoundException;
    /// so when a GPU is asked for and this ONNX Runtime has no CUDA provider, we fall back here (logged) or explain.
    /// </summary>
    private TransformsCatalog OnnxCatalog(IDataView input)
    {
        var env = CatalogEnvironment.TryGet(catalog);
        if (env?.GetType().GetProperty("GpuDeviceId")?.GetValue(env) is not int gpu) return catalog;
        if (Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider")) return catalog;
        bool fallback = env.GetType().GetProperty("FallbackToCpu")?.GetValue(env) is true;
        if (!fallback)
            throw new InvalidOperationException(
                $"MLContext.GpuDeviceId is {gpu}, but this ONNX Runtime has no CUDA execution provider. Reference " +
                "Microsoft.ML.OnnxRuntime.Gpu (with CUDA installed) instead of Microsoft.ML.OnnxRuntime, or set MLContext.FallbackToCpu = true.");
        using (var log = new DetectionLog(env, "DetectObjects"))
            log.Warning($"MLContext.GpuDeviceId is {gpu}, but this ONNX Runtime has no CUDA execution provider: scoring on the CPU (FallbackToCpu).");
        // A context without a GPU request builds a CPU session; a saved model takes the loading MLContext's settings again.
        return new MLContext().Transforms;
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => DetectionOutputSchema.Propagate(catalog, inputSchema, Columns);

    /// <summary>Builds the chain. Each step is fitted on its own (not through EstimatorChain) because CustomMapping's
    /// schema check wants the exact unsized image type, while its transformer binds any MLImage column.</summary>
    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        DetectionOutputSchema.CheckImage(input.Schema, Columns.Image);
        var scoringOnnx = MlNetOnnxAdapter.Adapt(onnx, bytePixels: !FloatPixels);
        IEstimator<ITransformer> pixels = FloatPixels
            ? catalog.CustomMapping(new ImageToPixelsFactory().GetMapping(), ImageToPixelsFactory.ContractName)
            : catalog.CustomMapping(new ImageToPixelBytesFactory().GetMapping(), ImageToPixelBytesFactory.ContractName);
        var onnxCatalog = OnnxCatalog(input);
        var steps = new Func<IDataView, ITransformer>[]
        {
            catalog.CopyColumns(DetectorOnnxNames.ScoringImage, Columns.Image).Fit,
            pixels.Fit,
            data => OnnxFileOwner.Fit(onnxCatalog, TempFolder(onnxCatalog), scoringOnnx,
                [DetectorOnnxNames.Boxes, DetectorOnnxNames.Scores, DetectorOnnxNames.LabelNames],
                [DetectorOnnxNames.Pixels, DetectorOnnxNames.Height, DetectorOnnxNames.Width], data),
            catalog.CopyColumns(Columns.PredictedLabel, DetectorOnnxNames.LabelNames).Fit,
            catalog.CopyColumns(Columns.Score, DetectorOnnxNames.Scores).Fit,
            catalog.CopyColumns(Columns.PredictedBoundingBoxes, DetectorOnnxNames.Boxes).Fit,
            catalog.DropColumns(
                DetectorOnnxNames.ScoringImage, DetectorOnnxNames.Pixels, DetectorOnnxNames.Height, DetectorOnnxNames.Width,
                DetectorOnnxNames.Boxes, DetectorOnnxNames.Scores, DetectorOnnxNames.LabelNames).Fit,
        };
        var fitted = new List<ITransformer>(steps.Length);
        try
        {
            IDataView current = input;
            foreach (var step in steps)
            {
                var t = step(current);
                fitted.Add(t);
                current = t.Transform(current);
            }
        }
        catch
        {
            foreach (var t in fitted) (t as IDisposable)?.Dispose();
            throw;
        }
        return new TransformerChain<ITransformer>([.. fitted]);
    }

    /// <summary>Where ML.NET keeps its temporary model files: the context's <c>TempFilePath</c>.</summary>
    private static string TempFolder(TransformsCatalog catalog) =>
        CatalogEnvironment.TryGet(catalog) is { } env && env.GetType().GetProperty("TempFilePath")?.GetValue(env) is string { Length: > 0 } path
            ? path
            : Path.GetTempPath();
}
