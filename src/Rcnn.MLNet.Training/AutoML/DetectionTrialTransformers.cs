using Microsoft.ML;
using Microsoft.ML.Data;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Scoring;
using Rcnn.Onnx;

namespace Rcnn.MLNet.AutoML;

/// <summary>A trial's model as an ML.NET transformer: its checkpoint exported to ONNX (FlatPixels) and wrapped by
/// <c>mlContext.Transforms.DetectObjects</c>. Input column <c>Image</c> (MLImage); outputs PredictedLabel, Score,
/// PredictedBoundingBoxes.</summary>
public static class DetectionTrialTransformers
{
    /// <summary>The input row the transformer is fitted on: one image of any size.</summary>
    public sealed class ImageRow
    {
        [AnySizeImageType]
        public MLImage? Image { get; set; }
    }

    /// <remarks>The transformer owns a temporary copy of the ONNX model (ML.NET's); dispose it to delete that copy.</remarks>
    public static ITransformer ToTransformer(this DetectionTrialResult trial, MLContext mlContext, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(trial);
        ArgumentNullException.ThrowIfNull(mlContext);
        using var model = trial.LoadModel();
        var onnx = DetectorOnnxExporter.ExportToBytes(model, trial.LoadConfig(),
            new DetectorOnnxOptions { InputLayout = OnnxInputLayout.FlatPixels, ClassNames = classNames });
        var empty = mlContext.Data.LoadFromEnumerable(Array.Empty<ImageRow>());
        return mlContext.Transforms.DetectObjects(new MemoryStream(onnx)).Fit(empty);
    }

    /// <summary>The best trial's transformer (AutoML's best model); null when no trial finished.</summary>
    public static ITransformer? BestTransformer(this DetectionExperimentResult result, MLContext mlContext) =>
        result.BestTrial?.ToTransformer(mlContext, result.ClassNames);
}
