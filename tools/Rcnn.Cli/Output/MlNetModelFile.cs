using Microsoft.ML;
using Microsoft.ML.Data;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Scoring;
using Rcnn.Onnx;
using Rcnn.Training.Config;
using Rcnn.Training.Modeling.MetaArch;

namespace Rcnn.Cli.Output;

/// <summary>
/// model.mlnet: the ML.NET model zip of a trained detector (<c>mlContext.Transforms.DetectObjects</c> over its
/// FlatPixels ONNX export, fitted and saved). Input column <c>Image</c> (MLImage, any size); outputs
/// <c>PredictedLabel</c>, <c>Score</c>, <c>PredictedBoundingBoxes</c> in the image's pixels. Loading it needs
/// Rcnn.MLNet.dll (its CustomMapping): <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(ImageToPixelsFactory).Assembly)</c>.
/// </summary>
public static class MlNetModelFile
{
    public const string FileName = "model.mlnet";

    public static void Write(GeneralizedRcnn model, RcnnConfig cfg, IReadOnlyList<string> classes, string path)
    {
        var onnx = DetectorOnnxExporter.ExportToBytes(model, cfg, new DetectorOnnxOptions { InputLayout = OnnxInputLayout.FlatPixels, ClassNames = classes });
        var ml = new MLContext();
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<Rcnn.MLNet.AutoML.DetectionTrialTransformers.ImageRow>());
        // Disposing deletes ONNX Runtime's temporary copy of the model (ML.NET keeps one per fitted or loaded chain).
        using var transformer = ml.Transforms.DetectObjects(new MemoryStream(onnx)).Fit(empty);
        // An image column cannot be stored as input schema (ML.NET saves schemas as data); scoring does not need it.
        ml.Model.Save(transformer, null, path);
    }
}
