using Microsoft.ML;
using Rcnn.MLNet.Scoring;

namespace Rcnn.MLNet.Catalog;

/// <summary><c>mlContext.Transforms.DetectObjects(...)</c>: train a Faster R-CNN, or wrap one already exported to ONNX.</summary>
public static class DetectObjectsCatalog
{
    /// <summary>
    /// Scores an exported detector (<c>DetectorOnnxExporter</c> with <c>InputLayout = FlatPixels</c>) on the image
    /// column; see <see cref="DetectorScoringEstimator"/> for the chain and its output columns.
    /// </summary>
    public static DetectorScoringEstimator DetectObjects(this TransformsCatalog catalog, string onnxModelPath, ScoringColumns? columns = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxModelPath);
        if (!File.Exists(onnxModelPath)) throw new FileNotFoundException($"ONNX model not found: {onnxModelPath}", onnxModelPath);
        return new DetectorScoringEstimator(catalog, File.ReadAllBytes(onnxModelPath), columns, $"'{onnxModelPath}'");
    }

    /// <summary>As the path overload, reading the model from <paramref name="onnxModel"/> (read to its end now).</summary>
    public static DetectorScoringEstimator DetectObjects(this TransformsCatalog catalog, Stream onnxModel, ScoringColumns? columns = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(onnxModel);
        using var copy = new MemoryStream();
        onnxModel.CopyTo(copy);
        return new DetectorScoringEstimator(catalog, copy.ToArray(), columns, "the ONNX stream");
    }
}
