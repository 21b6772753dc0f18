using Rcnn.Onnx;
using Rcnn.Training.Config;
using Rcnn.Training.Modeling.MetaArch;

namespace Rcnn.MLNet.Training;

/// <summary>The export ML.NET scoring needs: FlatPixels inputs (OnnxTransformer allows one unknown dimension).</summary>
internal static class DetectorExport
{
    public static byte[] ToFlatPixelsOnnx(GeneralizedRcnn model, RcnnConfig cfg, IReadOnlyList<string> classNames) =>
        DetectorOnnxExporter.ExportToBytes(model, cfg, new DetectorOnnxOptions { InputLayout = OnnxInputLayout.FlatPixels, ClassNames = classNames });
}
