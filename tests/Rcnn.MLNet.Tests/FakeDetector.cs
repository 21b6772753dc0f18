using Google.Protobuf;
using Rcnn.Onnx;
using Rcnn.Onnx.Protos;

namespace Rcnn.MLNet.Tests;

/// <summary>
/// A tiny ONNX graph with the detector's FlatPixels contract whose outputs are hand-computable from the image:
/// two detections, "cat" with box (0, 0, W, H) and score mean(R)/255, "dog" with box (1, 2, W/2, H/2) and score
/// mean(B)/255. Reading R from the first plane and B from the last checks the pixel layout and channel order.
/// </summary>
internal static class FakeDetector
{
    public static readonly string[] ClassNames = ["cat", "dog"];

    public static byte[] Build(bool flatPixels = true)
    {
        var g = new OnnxGraphBuilder("fake_detector");
        var f = TensorProto.Types.DataType.Float;
        var i64 = TensorProto.Types.DataType.Int64;
        if (!flatPixels)
        {
            // The Image layout: ML.NET cannot score it (two unknown dimensions).
            var image = g.AddInput("image", f, 3, "H", "W");
            var flat = g.AddNode("Reshape", "flat", [image, g.AddConstant("minus_one", -1)]);
            g.AddOutput(flat, f, OnnxDim.Unknown);
            return g.ToBytes();
        }
        var pixels = g.AddInput("pixels", f, "P");
        var height = g.AddInput("height", i64, 1);
        var width = g.AddInput("width", i64, 1);

        var hw = g.AddNode("Mul", "hw", [height, width]);
        var twoHw = g.AddNode("Mul", "two_hw", [hw, g.AddConstant("two", 2)]);
        var threeHw = g.AddNode("Mul", "three_hw", [hw, g.AddConstant("three", 3)]);
        var red = g.AddNode("Slice", "red", [pixels, g.AddConstant("zero", 0), hw]);
        var blue = g.AddNode("Slice", "blue", [pixels, twoHw, threeHw]);
        var c255 = g.AddInitializer("c255", [255f], 1);
        var s0 = g.AddNode("Div", "s0", [g.AddNode("ReduceMean", "mean_r", [red], OnnxAttribute.Int("keepdims", 1)), c255]);
        var s1 = g.AddNode("Div", "s1", [g.AddNode("ReduceMean", "mean_b", [blue], OnnxAttribute.Int("keepdims", 1)), c255]);
        var scores = g.AddNode("Concat", "scores", [s0, s1], OnnxAttribute.Int("axis", 0));

        const long FloatType = (long)TensorProto.Types.DataType.Float;
        var hf = g.AddNode("Cast", "hf", [height], OnnxAttribute.Int("to", FloatType));
        var wf = g.AddNode("Cast", "wf", [width], OnnxAttribute.Int("to", FloatType));
        var half = g.AddInitializer("half", [0.5f], 1);
        var zero = g.AddInitializer("zf", [0f], 1);
        var one = g.AddInitializer("one", [1f], 1);
        var twoF = g.AddInitializer("twof", [2f], 1);
        var box0 = g.AddNode("Concat", "box0", [zero, zero, wf, hf], OnnxAttribute.Int("axis", 0));
        var box1 = g.AddNode("Concat", "box1", [one, twoF, g.AddNode("Mul", "w2", [wf, half]), g.AddNode("Mul", "h2", [hf, half])], OnnxAttribute.Int("axis", 0));
        var flatBoxes = g.AddNode("Concat", "flat_boxes", [box0, box1], OnnxAttribute.Int("axis", 0));
        var boxes = g.AddNode("Reshape", "boxes", [flatBoxes, g.AddConstant("shape", 2, 4)]);
        var labels = g.AddNode("Identity", "labels", [g.AddInitializer("label_ids", [0L, 1L], 2)]);
        var names = new TensorProto { DataType = (int)TensorProto.Types.DataType.String };
        names.Dims.Add(ClassNames.Length);
        foreach (var n in ClassNames) names.StringData.Add(ByteString.CopyFromUtf8(n));
        var nameTable = g.AddNode("Constant", "class_names", [], OnnxAttribute.Tensor("value", names));
        var labelNames = g.AddNode("Gather", "label_names", [nameTable, labels], OnnxAttribute.Int("axis", 0));

        g.AddOutput(boxes, f, "K", 4);
        g.AddOutput(scores, f, "K");
        g.AddOutput(labels, i64, "K");
        g.AddOutput(labelNames, TensorProto.Types.DataType.String, "K");
        g.SetMetadata("rcnn.class_names", "[\"cat\",\"dog\"]");
        g.SetMetadata("rcnn.input_layout", "FlatPixels");
        return g.ToBytes();
    }

    /// <summary>The hand computation: what the fake detector must output for an RGB image.</summary>
    public static (string[] Labels, float[] Scores, float[] Boxes) Expected(byte[] rgb, int height, int width)
    {
        double r = 0, b = 0;
        for (int i = 0; i < rgb.Length; i += 3)
        {
            r += rgb[i];
            b += rgb[i + 2];
        }
        int n = height * width;
        return (ClassNames, [(float)(r / n / 255), (float)(b / n / 255)], [0, 0, width, height, 1, 2, width / 2f, height / 2f]);
    }
}
