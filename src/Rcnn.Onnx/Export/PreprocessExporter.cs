using Rcnn.Onnx.Protos;
using Rcnn.Training.Config;
using Rcnn.Training.Modeling.Backbones;

namespace Rcnn.Onnx.Export;

/// <summary>The test-time input pipeline for one image: ResizeShortestEdge (as our test mapper applies it), PIXEL_MEAN/STD,
/// zero padding to SIZE_DIVISIBILITY, as GeneralizedRcnn.Preprocess does.</summary>
internal static class PreprocessExporter
{
    /// <param name="image">float [3, H, W] in INPUT.FORMAT, 0..255.</param>
    /// <returns>The batch [1, 3, Hp, Wp] for the backbone, the resized size int64 [2] (height, width), and the input's
    /// and the resized image's height and width as int64 [1] values (for rescaling the detections).</returns>
    public static Preprocessed Emit(OnnxGraphBuilder g, RcnnConfig cfg, Backbone backbone, string image, string path = "preprocess")
    {
        if (backbone.SquarePad > 0)
            throw new NotSupportedException($"Backbone square padding ({backbone.SquarePad}) is not supported by the ONNX export.");
        var o = new GraphOps(g, path);
        var inH = o.Dim("InputHeight", image, 1);
        var inW = o.Dim("InputWidth", image, 2);
        string resized, newH, newW;
        int shortEdge = cfg.Input.MinSizeTest;
        if (shortEdge > 0)
        {
            var target = ResizeExporter.TargetSize(o, inH, inW, shortEdge, cfg.Input.MaxSizeTest);
            resized = o.Cast("ResizedFloat", ResizeExporter.Resize(o, image, target.Height, target.Width), TensorProto.Types.DataType.Float);
            newH = o.Cast("ResizedHeight", target.Height, TensorProto.Types.DataType.Int64);
            newW = o.Cast("ResizedWidth", target.Width, TensorProto.Types.DataType.Int64);
        }
        else
        {
            // MIN_SIZE_TEST 0 turns the resize off, as in detectron2.
            (resized, newH, newW) = (image, inH, inW);
        }

        var mean = o.Reshape("Mean", o.Floats("pixel_mean", cfg.Model.PixelMean.Select(v => (float)v).ToArray()), -1, 1, 1);
        var std = o.Reshape("Std", o.Floats("pixel_std", cfg.Model.PixelStd.Select(v => (float)v).ToArray()), -1, 1, 1);
        var normalized = o.Op("Div", "Normalize", o.Op("Sub", "Center", resized, mean), std);
        var batch = o.Unsqueeze("Batch", normalized, 0);
        int d = backbone.SizeDivisibility;
        if (d > 1)
        {
            var div = o.Ints("size_divisibility", d);
            string Pad(string name, string size) => o.Op("Mod", name, o.Op("Sub", name + "Deficit", div, o.Op("Mod", name + "Rest", size, div)), div);
            var zeros6 = o.Ints("pad_zeros", 0, 0, 0, 0, 0, 0);
            var pads = o.Concat("Pads", 0, zeros6, Pad("PadHeight", newH), Pad("PadWidth", newW));
            batch = o.Op("Pad", "PadToDivisibility", new[] { batch, pads, o.Float("pad_value", 0f) }, OnnxAttribute.String("mode", "constant"));
        }
        return new Preprocessed(batch, o.Concat("ImageSize", 0, newH, newW), inH, inW, newH, newW);
    }
}

internal sealed record Preprocessed(string Batch, string ImageSize, string InputHeight, string InputWidth, string ResizedHeight, string ResizedWidth);
