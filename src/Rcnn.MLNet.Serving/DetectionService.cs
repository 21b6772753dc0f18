using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Data;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Scoring;

namespace Rcnn.MLNet.Serving;

/// <summary>
/// A saved detector loaded once and scored by a fixed set of prediction engines (<see cref="DetectionServiceOptions.Engines"/>),
/// each on its own long-lived thread; callers on any number of threads queue their images and await the results.
/// Scoring always on the same few threads keeps the native allocator's per-thread arenas, and so the process's
/// memory, at one working size however many request threads the server uses.
/// </summary>
public sealed class DetectionService : IDisposable
{
    /// <summary>The file a <c>rcnn train</c> output folder holds the ML.NET model in.</summary>
    public const string ModelFileName = "model.mlnet";

    private readonly ITransformer model;
    private readonly BlockingCollection<Request> queue = [];
    private readonly Thread[] threads;
    private long served;
    private int disposed;

    private DetectionService(MLContext mlContext, ITransformer model, string source, DetectionServiceOptions options)
    {
        this.model = model;
        Source = source;
        Options = options;
        // Engines share the model; they must not dispose it (it is ours). Created here so a model that does not fit the
        // input class fails Load, not a request.
        var engineOptions = new PredictionEngineOptions { OwnsTransformer = false };
        var engines = Enumerable.Range(0, options.Engines)
            .Select(_ => mlContext.Model.CreatePredictionEngine<ImageInput, ScoredImage>(model, engineOptions)).ToList();
        threads = engines.Select((engine, i) => new Thread(() => Serve(engine)) { IsBackground = true, Name = $"rcnn-engine-{i}" }).ToArray();
        foreach (var t in threads) t.Start();
    }

    /// <summary>The model file served.</summary>
    public string Source { get; }

    public DetectionServiceOptions Options { get; }

    /// <summary>Images scored so far.</summary>
    public long Served => Interlocked.Read(ref served);

    /// <summary>
    /// Loads <paramref name="path"/>: an ML.NET model zip (<c>model.mlnet</c>, or any saved <c>DetectObjects</c> chain that
    /// takes an <c>Image</c> column), a FlatPixels ONNX export (<c>*.onnx</c>), or a folder holding <c>model.mlnet</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">nothing to load at <paramref name="path"/>.</exception>
    /// <exception cref="ArgumentException">the model does not score images.</exception>
    public static DetectionService Load(string path, DetectionServiceOptions? options = null)
    {
        options ??= new DetectionServiceOptions();
        options.Validate();
        string file = Directory.Exists(path) ? Path.Combine(path, ModelFileName) : path;
        if (!File.Exists(file))
            throw new FileNotFoundException(Directory.Exists(path)
                ? $"'{path}' has no {ModelFileName}; give an 'rcnn train' output folder, a model.mlnet file or an exported .onnx file."
                : $"Model '{path}' not found.", file);
        var ml = new MLContext();
        ml.ComponentCatalog.RegisterAssembly(typeof(ImageToPixelsFactory).Assembly);
        ITransformer model = Path.GetExtension(file).Equals(".onnx", StringComparison.OrdinalIgnoreCase)
            ? ml.Transforms.DetectObjects(file).Fit(ml.Data.LoadFromEnumerable(Array.Empty<ImageInput>()))
            : ml.Model.Load(file, out _);
        try
        {
            return new DetectionService(ml, model, Path.GetFullPath(file), options);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            (model as IDisposable)?.Dispose();
            throw new ArgumentException(
                $"'{file}' does not score an 'Image' column with PredictedLabel, Score and PredictedBoundingBoxes outputs " +
                $"(a whole training pipeline that starts from image paths is not servable; save the DetectObjects chain alone): {e.Message}", nameof(path), e);
        }
    }

    /// <summary>Scores one image; detections below <paramref name="scoreThreshold"/> are left out.</summary>
    public DetectionResult Detect(MLImage image, float scoreThreshold) => DetectAsync(image, scoreThreshold, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Scores one image on the next free engine. The caller keeps ownership of <paramref name="image"/> and must
    /// not dispose it before the task ends.</summary>
    public Task<DetectionResult> DetectAsync(MLImage image, float scoreThreshold, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(image);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        var request = new Request(image, scoreThreshold, cancel);
        queue.Add(request, cancel);
        return request.Result.Task;
    }

    private void Serve(PredictionEngine<ImageInput, ScoredImage> engine)
    {
        using (engine)
        {
            foreach (var r in queue.GetConsumingEnumerable())
            {
                if (r.Cancel.IsCancellationRequested)
                {
                    r.Result.TrySetCanceled(r.Cancel);
                    continue;
                }
                try
                {
                    var scored = engine.Predict(new ImageInput { Image = r.Image });
                    Interlocked.Increment(ref served);
                    r.Result.TrySetResult(ToResult(scored, r.Image.Width, r.Image.Height, r.Threshold));
                }
                catch (Exception e)
                {
                    r.Result.TrySetException(e);
                }
            }
        }
    }

    private static DetectionResult ToResult(ScoredImage scored, int width, int height, float threshold)
    {
        var detections = new List<Detection>(scored.Score.Length);
        for (int i = 0; i < scored.Score.Length; i++)
        {
            if (scored.Score[i] < threshold) continue;
            detections.Add(new Detection(scored.PredictedLabel[i], scored.Score[i], scored.PredictedBoundingBoxes.AsSpan(4 * i, 4).ToArray()));
        }
        return new DetectionResult(width, height, detections);
    }

    /// <summary>Finishes the queued requests, stops the engine threads and releases the model.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        queue.CompleteAdding();
        foreach (var t in threads) t.Join();
        queue.Dispose();
        (model as IDisposable)?.Dispose();
    }

    private sealed record Request(MLImage Image, float Threshold, CancellationToken Cancel)
    {
        public TaskCompletionSource<DetectionResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The row scored: an image of any size.</summary>
    private sealed class ImageInput
    {
        [AnySizeImageType]
        public MLImage? Image { get; set; }
    }

    /// <summary>The chain's outputs.</summary>
    private sealed class ScoredImage
    {
        public string[] PredictedLabel { get; set; } = [];
        public float[] Score { get; set; } = [];
        public float[] PredictedBoundingBoxes { get; set; } = [];
    }
}
