using System.Globalization;
using System.Text.Json;
using Rcnn.Onnx.Protos;
using Rcnn.Training.Config;
using Rcnn.Training.Modeling.MetaArch;

namespace Rcnn.Onnx.Export;

/// <summary>Where the graph's proposals come from: the RPN in-graph, or (for tests) a graph input.</summary>
internal delegate string ProposalSource(OnnxGraphBuilder g, IReadOnlyDictionary<string, string> features, string imageSize);

/// <summary>
/// The detector graph for one image, proposals taken from a <see cref="ProposalSource"/>: test-time resize,
/// normalisation and padding, backbone, proposals, ROI heads and the rescale to the input image, from the model's own
/// weights and config. Outputs: <c>boxes</c> float [K, 4]
/// (x0, y0, x1, y1 in input-image pixels), <c>scores</c> float [K], <c>labels</c> int64 [K] (0-based classes) and
/// <c>label_names</c> string [K]; K may be 0.
/// </summary>
internal static class DetectorGraph
{
    public const string ImageInput = "image";
    public const string PixelsInput = "pixels";
    public const string HeightInput = "height";
    public const string WidthInput = "width";
    public const string BoxesOutput = "boxes";
    public const string ScoresOutput = "scores";
    public const string LabelsOutput = "labels";
    public const string LabelNamesOutput = "label_names";

    public static OnnxGraphBuilder Build(GeneralizedRcnn model, RcnnConfig cfg, DetectorOnnxOptions? options, ProposalSource proposalSource)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cfg);
        options ??= new DetectorOnnxOptions();
        int numClasses = cfg.Model.RoiHeads.NumClasses;
        var names = ClassNames(options.ClassNames, numClasses);
        var test = TestSettings(cfg, options);

        var g = new OnnxGraphBuilder("GeneralizedRCNN");
        var image = Input(g, options.InputLayout, model.InputFormat);
        var pre = PreprocessExporter.Emit(g, cfg, model.Backbone, image);
        var features = BackboneExporter.Emit(g, model.Backbone, "backbone", pre.Batch);
        var proposals = proposalSource(g, features, pre.ImageSize);
        var (boxes, scores, classes) = RoiHeadsExporter.Emit(g, model.RoiHeads, features, proposals, pre.ImageSize, test: test);
        (boxes, scores, classes) = PostprocessExporter.Emit(g, pre, boxes, scores, classes);
        var labelNames = new GraphOps(g, "labels").Gather("Names", new GraphOps(g, "labels").Strings("class_names", names), classes);

        Output(g, boxes, BoxesOutput, TensorProto.Types.DataType.Float, "detections", 4);
        Output(g, scores, ScoresOutput, TensorProto.Types.DataType.Float, "detections");
        Output(g, classes, LabelsOutput, TensorProto.Types.DataType.Int64, "detections");
        Output(g, labelNames, LabelNamesOutput, TensorProto.Types.DataType.String, "detections");

        g.SetMetadata("rcnn.graph", "detector");
        g.SetMetadata("rcnn.class_names", JsonSerializer.Serialize(names));
        g.SetMetadata("rcnn.config", cfg.Dump());
        g.SetMetadata("rcnn.input_format", model.InputFormat);
        g.SetMetadata("rcnn.input_layout", options.InputLayout.ToString());
        g.SetMetadata("rcnn.min_size_test", cfg.Input.MinSizeTest.ToString(CultureInfo.InvariantCulture));
        g.SetMetadata("rcnn.max_size_test", cfg.Input.MaxSizeTest.ToString(CultureInfo.InvariantCulture));
        g.SetMetadata("rcnn.score_threshold", test.ScoreThresh.ToString("R", CultureInfo.InvariantCulture));
        g.SetMetadata("rcnn.nms_threshold", test.NmsThresh.ToString("R", CultureInfo.InvariantCulture));
        g.SetMetadata("rcnn.detections_per_image", test.DetectionsPerImage.ToString(CultureInfo.InvariantCulture));
        return g;
    }

    /// <summary>The [3, H, W] image in INPUT.FORMAT, from either layout's inputs.</summary>
    private static string Input(OnnxGraphBuilder g, OnnxInputLayout layout, string format)
    {
        if (format is not ("BGR" or "RGB"))
            throw new NotSupportedException($"INPUT.FORMAT '{format}' cannot be exported; use BGR or RGB.");
        switch (layout)
        {
            case OnnxInputLayout.Image:
                return g.AddInput(ImageInput, TensorProto.Types.DataType.Float, 3, "height", "width");
            case OnnxInputLayout.FlatPixels:
            {
                var pixels = g.AddInput(PixelsInput, TensorProto.Types.DataType.Float, "pixel_count");
                var height = g.AddInput(HeightInput, TensorProto.Types.DataType.Int64, 1);
                var width = g.AddInput(WidthInput, TensorProto.Types.DataType.Int64, 1);
                var o = new GraphOps(g, "input");
                var rgb = o.Op("Reshape", "ToChw", pixels, o.Concat("ChwShape", 0, o.Ints("channels", 3), height, width));
                // The flat layout is always RGB; a BGR model gets its channels reversed.
                return format == "RGB" ? rgb : o.Gather("ToBgr", rgb, o.Ints("bgr_order", 2, 1, 0));
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown input layout");
        }
    }

    private static void Output(OnnxGraphBuilder g, string value, string name, TensorProto.Types.DataType type, params OnnxDim[] dims)
    {
        var output = g.AddNode("Identity", name, new[] { value });
        if (output != name) throw new InvalidOperationException($"Output name '{name}' clashes with a value of the graph.");
        g.AddOutput(output, type, dims);
    }

    private static string[] ClassNames(IReadOnlyList<string>? given, int numClasses)
    {
        if (given is null) return Enumerable.Range(0, numClasses).Select(i => $"class_{i}").ToArray();
        if (given.Count != numClasses)
            throw new ArgumentException($"ClassNames has {given.Count} names but MODEL.ROI_HEADS.NUM_CLASSES is {numClasses}.", "options");
        if (given.Any(n => n is null))
            throw new ArgumentException("ClassNames must not contain null.", "options");
        return given.ToArray();
    }

    private static FastRcnnTestSettings TestSettings(RcnnConfig cfg, DetectorOnnxOptions o)
    {
        double score = o.ScoreThreshold ?? cfg.Model.RoiHeads.ScoreThreshTest;
        double nms = o.NmsThreshold ?? cfg.Model.RoiHeads.NmsThreshTest;
        int top = o.DetectionsPerImage ?? cfg.Test.DetectionsPerImage;
        if (!(score >= 0 && score <= 1)) throw new ArgumentOutOfRangeException("options", score, "ScoreThreshold must be in [0, 1].");
        if (!(nms >= 0 && nms <= 1)) throw new ArgumentOutOfRangeException("options", nms, "NmsThreshold must be in [0, 1].");
        return new FastRcnnTestSettings(score, nms, top);
    }
}
