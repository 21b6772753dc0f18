using Google.Protobuf;
using Rcnn.Onnx.Protos;

namespace Rcnn.Onnx.Export;

/// <summary>
/// The batch variant of a one-image detector graph (image layout) for batch scorers such as SynapseML's ONNXModel: input
/// <c>images</c> float [B, 3, H, W] with B the only unknown dimension (every image padded to the same H x W, top-left);
/// outputs <c>boxes</c> float [B, M, 4], <c>scores</c> float [B, M], <c>labels</c> int64 [B, M] and
/// <c>num_detections</c> int64 [B], where M is TEST.DETECTIONS_PER_IMAGE and the rows past an image's count are padding
/// (boxes and scores 0, labels -1). A Loop runs the one-image graph on each image in turn, so each image's detections
/// are exactly what the one-image graph gives for it; the weights stay in the outer graph, once.
/// </summary>
internal static class BatchDetectorGraph
{
    public const string ImagesInput = "images";
    public const string CountOutput = "num_detections";

    public static ModelProto Wrap(ModelProto single, int height, int width, int maxDetections)
    {
        ArgumentNullException.ThrowIfNull(single);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDetections, 1);
        var one = single.Graph;
        if (one.Input.Count != 1 || one.Input[0].Name != DetectorGraph.ImageInput)
            throw new ArgumentException($"The batch graph wraps a one-image graph in the image layout (one input '{DetectorGraph.ImageInput}').", nameof(single));

        // The loop body: image b of the batch, the one-image graph, its outputs padded to M rows.
        var body = new GraphProto { Name = "per_image" };
        body.Input.Add(Value("batch_iter", TensorProto.Types.DataType.Int64));
        body.Input.Add(Value("batch_cond_in", TensorProto.Types.DataType.Bool));
        body.Node.Add(Node("Gather", [ImagesInput, "batch_iter"], [DetectorGraph.ImageInput], Int("axis", 0)));
        body.Node.AddRange(one.Node.Where(n => !n.Output.Contains(DetectorGraph.LabelNamesOutput)));
        body.Node.Add(Constant("batch_max", Ints(maxDetections)));
        body.Node.Add(Constant("batch_zero", Ints(0)));
        body.Node.Add(Node("Shape", [DetectorGraph.ScoresOutput], ["batch_count"]));
        body.Node.Add(Node("Sub", ["batch_max", "batch_count"], ["batch_pad"]));
        body.Node.Add(Node("Concat", ["batch_zero", "batch_zero", "batch_pad", "batch_zero"], ["batch_box_pads"], Int("axis", 0)));
        body.Node.Add(Node("Concat", ["batch_zero", "batch_pad"], ["batch_row_pads"], Int("axis", 0)));
        body.Node.Add(Constant("batch_no_label", new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, Int64Data = { -1L } }));
        body.Node.Add(Node("Pad", [DetectorGraph.BoxesOutput, "batch_box_pads"], ["batch_boxes"]));
        body.Node.Add(Node("Pad", [DetectorGraph.ScoresOutput, "batch_row_pads"], ["batch_scores"]));
        body.Node.Add(Node("Pad", [DetectorGraph.LabelsOutput, "batch_row_pads", "batch_no_label"], ["batch_labels"]));
        body.Node.Add(Node("Squeeze", ["batch_count", "batch_zero"], ["batch_count_scalar"]));
        body.Node.Add(Node("Identity", ["batch_cond_in"], ["batch_cond_out"]));
        body.Output.Add(Value("batch_cond_out", TensorProto.Types.DataType.Bool));
        body.Output.Add(Value("batch_boxes", TensorProto.Types.DataType.Float, maxDetections, 4));
        body.Output.Add(Value("batch_scores", TensorProto.Types.DataType.Float, maxDetections));
        body.Output.Add(Value("batch_labels", TensorProto.Types.DataType.Int64, maxDetections));
        body.Output.Add(Value("batch_count_scalar", TensorProto.Types.DataType.Int64));

        var main = new GraphProto { Name = one.Name + "_batch" };
        main.Initializer.AddRange(one.Initializer);
        main.Input.Add(Value(ImagesInput, TensorProto.Types.DataType.Float, "batch", 3, height, width));
        main.Node.Add(Node("Shape", [ImagesInput], ["batch_shape"]));
        main.Node.Add(Constant("batch_axis0", new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, Int64Data = { 0L } }));
        main.Node.Add(Node("Gather", ["batch_shape", "batch_axis0"], ["batch_size"], Int("axis", 0)));
        main.Node.Add(Constant("batch_true", new TensorProto { DataType = (int)TensorProto.Types.DataType.Bool, RawData = ByteString.CopyFrom([(byte)1]) }));
        main.Node.Add(Node("Loop", ["batch_size", "batch_true"],
            [DetectorGraph.BoxesOutput, DetectorGraph.ScoresOutput, DetectorGraph.LabelsOutput, CountOutput],
            new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph, G = body }));
        main.Output.Add(Value(DetectorGraph.BoxesOutput, TensorProto.Types.DataType.Float, "batch", maxDetections, 4));
        main.Output.Add(Value(DetectorGraph.ScoresOutput, TensorProto.Types.DataType.Float, "batch", maxDetections));
        main.Output.Add(Value(DetectorGraph.LabelsOutput, TensorProto.Types.DataType.Int64, "batch", maxDetections));
        main.Output.Add(Value(CountOutput, TensorProto.Types.DataType.Int64, "batch"));

        var model = single.Clone();
        model.Graph = main;
        Set(model, "rcnn.graph", "detector_batch");
        Set(model, "rcnn.input_layout", "Batch");
        Set(model, "rcnn.batch_height", height.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Set(model, "rcnn.batch_width", width.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return model;
    }

    private static void Set(ModelProto model, string key, string value)
    {
        var entry = model.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (entry is null) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        else entry.Value = value;
    }

    private static TensorProto Ints(long value) => new() { DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 1 }, Int64Data = { value } };

    private static NodeProto Constant(string output, TensorProto value) =>
        Node("Constant", [], [output], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value });

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = outputs[0] + "_" + op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params OnnxDim[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d.Value is { } v) dim.DimValue = v;
            else if (d.Param is { } p) dim.DimParam = p;
            shape.Dim.Add(dim);
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}
