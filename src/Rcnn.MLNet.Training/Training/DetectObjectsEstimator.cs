using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML;
using Rcnn.MLNet.AutoConfig;
using Rcnn.MLNet.Data;
using Rcnn.MLNet.Host;
using Rcnn.MLNet.Scoring;

namespace Rcnn.MLNet.Training;

/// <summary>
/// Trains a Faster R-CNN (Rcnn.Training, TorchSharp) on the image/label/box columns in <see cref="Fit"/>, exports it to
/// ONNX and returns the same chain of ML.NET built-ins as <see cref="DetectorScoringEstimator"/>, which
/// <c>mlContext.Model.Save/Load</c> round-trip. Progress and losses go to mlContext.Log and to
/// <see cref="DetectObjectsOptions.Progress"/>.
/// </summary>
public sealed class DetectObjectsEstimator : IEstimator<TransformerChain<ITransformer>>
{
    private readonly TransformsCatalog catalog;
    private readonly IHostEnvironment? env;

    internal DetectObjectsEstimator(TransformsCatalog catalog, DetectObjectsOptions options)
    {
        this.catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Columns = new ScoringColumns(options.ImageColumnName, options.PredictedLabelColumnName, options.ScoreColumnName,
            options.PredictedBoundingBoxColumnName);
        Columns.Validate();
        foreach (var (value, name) in new[] { (options.LabelColumnName, nameof(options.LabelColumnName)), (options.BoundingBoxColumnName, nameof(options.BoundingBoxColumnName)) })
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{name} must not be empty.", nameof(options));
        if (options.ConfigFile is null && options.Preset is { } preset) ConfigPresets.Yaml(preset);  // an unknown preset fails here, not after reading the data
        if (options.TimeBudget is { } budget && budget <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), budget, "TimeBudget must be positive.");
        env = CatalogEnvironment.TryGet(catalog);
    }

    public DetectObjectsOptions Options { get; }

    public ScoringColumns Columns { get; }

    /// <summary>The last Fit's output folder, ONNX path, classes, losses and validation result.</summary>
    public DetectionTrainingSummary? LastTraining { get; private set; }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Require(inputSchema, Options.LabelColumnName, "label", c => c.IsKey || c.ItemType is TextDataViewType, "a vector of keys or text");
        Require(inputSchema, Options.BoundingBoxColumnName, "box", c => !c.IsKey && c.ItemType.RawType == typeof(float), "a vector of Single");
        return DetectionOutputSchema.Propagate(catalog, inputSchema, Columns);
    }

    public TransformerChain<ITransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var log = new DetectionLog(env, "DetectObjects");
        string folder = Path.GetFullPath(Options.OutputFolder
            ?? Path.Combine(Path.GetTempPath(), "rcnn-mlnet", $"detect-objects-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid():N}"[..48]));
        string images = Path.Combine(folder, "images");
        try
        {
            var train = TrainingDataReader.Read(input, Options.ImageColumnName, Options.LabelColumnName, Options.BoundingBoxColumnName,
                null, Path.Combine(images, "train"), "Training data");
            log.Info($"Training data: {train.Records.Count} images, {train.Objects} objects, classes [{string.Join(", ", train.ClassNames)}].");
            TrainingData? validation = Options.ValidationSet is { } v
                ? TrainingDataReader.Read(v, Options.ImageColumnName, Options.LabelColumnName, Options.BoundingBoxColumnName,
                    train.ClassNames, Path.Combine(images, "validation"), "ValidationSet")
                : null;
            var (onnx, summary) = DetectorTraining.Run(train, validation, Options, folder, log, env);
            LastTraining = summary;
            return new DetectorScoringEstimator(catalog, onnx, Columns, summary.OnnxModelPath).Fit(input);
        }
        finally
        {
            // The PNG copies only feed the training loop.
            if (Directory.Exists(images)) Directory.Delete(images, recursive: true);
        }
    }

    private static void Require(SchemaShape schema, string name, string role, Func<SchemaShape.Column, bool> ok, string expected)
    {
        var found = schema.Where(c => c.Name == name).ToArray();
        if (found.Length == 0)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Input {role} column '{name}' was not found; columns: [{string.Join(", ", schema.Select(c => c.Name))}].");
        var col = found[^1];
        if (col.Kind == SchemaShape.Column.VectorKind.Scalar || !ok(col))
            throw new ArgumentOutOfRangeException(nameof(schema), $"Input {role} column '{name}' must be {expected}; got {col.Kind} of {col.ItemType}.");
    }
}
