using System.CommandLine;
using Rcnn.Onnx;

namespace Rcnn.Cli.Commands;

public static class ExportCommand
{
    public const string OnnxFile = "model.onnx";

    public static Command Build(CliContext ctx)
    {
        var model = new Option<string>("--model", "-m") { Description = "An 'rcnn train' output folder.", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "The .onnx file to write (default: <model>/model.onnx)." };
        var layout = new Option<string>("--layout") { Description = "image: input 'image' float [3,H,W]; flat: 'pixels' [3*H*W] + 'height' + 'width' (for ML.NET's OnnxTransformer); batch: 'images' float [B,3,H,W] at --batch-size, outputs padded to [B,M,...] with 'num_detections' (for SynapseML's ONNXModel).", DefaultValueFactory = _ => "image" };
        layout.AcceptOnlyFromAmong("image", "flat", "batch");
        var batchSize = new Option<string>("--batch-size") { Description = "With --layout batch: the HxW every image is padded to (top-left, zeros), e.g. 480x640.", DefaultValueFactory = _ => "480x640" };
        var cmd = new Command("export", "Export a trained model to ONNX (resize, normalisation, backbone, RPN, ROI heads and NMS inside; boxes in input pixels).") { model, output, layout, batchSize };
        cmd.SetAction(p => CliApp.Guard(ctx, () =>
        {
            var m = ModelDirectory.Open(p.GetValue(model)!);
            string path = Path.GetFullPath(p.GetValue(output) ?? Path.Combine(m.Directory, OnnxFile));
            if (p.GetValue(layout) == "batch") ExportBatch(m, path, ParseSize(p.GetValue(batchSize)!));
            else Export(m, path, p.GetValue(layout) == "flat" ? OnnxInputLayout.FlatPixels : OnnxInputLayout.Image);
            ctx.Line($"Wrote {path} ({new FileInfo(path).Length / 1e6:F1} MB).");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    /// <summary>The batch layout (docs/onnx.md, "Batch layout").</summary>
    public static void ExportBatch(ModelDirectory m, string path, (int Height, int Width) size)
    {
        using var net = m.LoadModel();
        var bytes = DetectorOnnxExporter.ExportBatchToBytes(net, m.Config, size.Height, size.Width, new DetectorOnnxOptions { ClassNames = m.Classes });
        string tmp = path + ".tmp";
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, path, overwrite: true);
    }

    private static (int Height, int Width) ParseSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out int h) && int.TryParse(parts[1], out int w) && h > 0 && w > 0) return (h, w);
        throw new CliUsageException($"--batch-size must be HEIGHTxWIDTH in pixels, e.g. 480x640; got '{text}'.");
    }

    public static void Export(ModelDirectory m, string path, OnnxInputLayout layout = OnnxInputLayout.Image)
    {
        using var net = m.LoadModel();
        DetectorOnnxExporter.Export(net, m.Config, path, new DetectorOnnxOptions { InputLayout = layout, ClassNames = m.Classes });
    }
}
