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
        var layout = new Option<string>("--layout") { Description = "image: input 'image' float [3,H,W]; flat: 'pixels' [3*H*W] + 'height' + 'width' (for ML.NET's OnnxTransformer).", DefaultValueFactory = _ => "image" };
        layout.AcceptOnlyFromAmong("image", "flat");
        var cmd = new Command("export", "Export a trained model to ONNX (resize, normalisation, backbone, RPN, ROI heads and NMS inside; boxes in input pixels).") { model, output, layout };
        cmd.SetAction(p => CliApp.Guard(ctx, () =>
        {
            var m = ModelDirectory.Open(p.GetValue(model)!);
            string path = Path.GetFullPath(p.GetValue(output) ?? Path.Combine(m.Directory, OnnxFile));
            Export(m, path, p.GetValue(layout) == "flat" ? OnnxInputLayout.FlatPixels : OnnxInputLayout.Image);
            ctx.Line($"Wrote {path} ({new FileInfo(path).Length / 1e6:F1} MB).");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    public static void Export(ModelDirectory m, string path, OnnxInputLayout layout = OnnxInputLayout.Image)
    {
        using var net = m.LoadModel();
        DetectorOnnxExporter.Export(net, m.Config, path, new DetectorOnnxOptions { InputLayout = layout, ClassNames = m.Classes });
    }
}
