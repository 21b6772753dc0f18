using Google.Protobuf;
using Rcnn.Onnx.Export;
using Rcnn.Training.Config;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Modeling.ProposalGenerators;

namespace Rcnn.Onnx;

/// <summary>
/// Exports a whole Faster R-CNN (GeneralizedRcnn with an RPN; StandardROIHeads or Res5ROIHeads) to one self-contained
/// ONNX file (default domain, opset 17) from the model's own weights and config: test-time resize, PIXEL_MEAN/STD,
/// padding, backbone, RPN, ROI heads and the rescale to the input image all run in-graph. Inputs per
/// <see cref="OnnxInputLayout"/>; outputs <c>boxes</c> float [K, 4] (x0, y0, x1, y1 in input-image pixels),
/// <c>scores</c> float [K], <c>labels</c> int64 [K] (0-based classes), <c>label_names</c> string [K]; K may be 0.
/// </summary>
public static class DetectorOnnxExporter
{
    public const string ImageInput = DetectorGraph.ImageInput;
    public const string PixelsInput = DetectorGraph.PixelsInput;
    public const string HeightInput = DetectorGraph.HeightInput;
    public const string WidthInput = DetectorGraph.WidthInput;
    public const string BoxesOutput = DetectorGraph.BoxesOutput;
    public const string ScoresOutput = DetectorGraph.ScoresOutput;
    public const string LabelsOutput = DetectorGraph.LabelsOutput;
    public const string LabelNamesOutput = DetectorGraph.LabelNamesOutput;

    /// <summary>Builds the graph and writes it to <paramref name="path"/> atomically (a temporary file, then a rename).</summary>
    public static void Export(GeneralizedRcnn model, RcnnConfig cfg, string path, DetectorOnnxOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Build(model, cfg, options).Save(path);
    }

    public static byte[] ExportToBytes(GeneralizedRcnn model, RcnnConfig cfg, DetectorOnnxOptions? options = null) =>
        Build(model, cfg, options).ToBytes();

    /// <summary>
    /// The batch variant for batch scorers (SynapseML's ONNXModel): input <c>images</c> float [B, 3, H, W] in INPUT.FORMAT,
    /// B the only unknown dimension, every image padded (top-left, zeros) to <paramref name="height"/> x
    /// <paramref name="width"/>; outputs <c>boxes</c> float [B, M, 4], <c>scores</c> float [B, M], <c>labels</c> int64
    /// [B, M] (-1 past the count) and <c>num_detections</c> int64 [B], M = TEST.DETECTIONS_PER_IMAGE (or
    /// <see cref="DetectorOnnxOptions.DetectionsPerImage"/>). Each image gets exactly the one-image graph's detections.
    /// </summary>
    public static byte[] ExportBatchToBytes(GeneralizedRcnn model, RcnnConfig cfg, int height, int width, DetectorOnnxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        options ??= new DetectorOnnxOptions();
        if (options.InputLayout != OnnxInputLayout.Image)
            throw new ArgumentException("The batch export takes images, not the flat-pixels layout: leave InputLayout at Image.", nameof(options));
        int maxDetections = options.DetectionsPerImage ?? cfg.Test.DetectionsPerImage;
        return BatchDetectorGraph.Wrap(Build(model, cfg, options).Model, height, width, maxDetections).ToByteArray();
    }

    public const string ImagesInput = BatchDetectorGraph.ImagesInput;
    public const string CountOutput = BatchDetectorGraph.CountOutput;

    private static OnnxGraphBuilder Build(GeneralizedRcnn model, RcnnConfig cfg, DetectorOnnxOptions? options)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.ProposalGenerator is not Rpn rpn)
            throw new NotSupportedException("Only detectors with an RPN proposal generator can be exported to ONNX; this model has " +
                (model.ProposalGenerator?.GetType().Name ?? "precomputed proposals") + ".");
        return DetectorGraph.Build(model, cfg, options, (g, features, imageSize) => RpnExporter.Emit(g, rpn, features, imageSize).Proposals);
    }
}
