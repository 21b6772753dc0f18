using System.CommandLine;
using Rcnn.Cli.Codegen;

namespace Rcnn.Cli.Commands;

public static class CodegenCommand
{
    public const string DefaultFolder = "consumption";
    public const string DefaultName = "RcnnModel";

    public static Command Build(CliContext ctx)
    {
        var model = new Option<string>("--model", "-m") { Description = "An 'rcnn train' output folder holding model.onnx (see 'rcnn export').", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "Project folder (default: <model>/consumption)." };
        var name = new Option<string>("--name", "-n") { Description = "Class and project name (a C# identifier).", DefaultValueFactory = _ => DefaultName };
        var cmd = new Command("codegen", "Generate a consumption project (ModelInput, ModelOutput, Predict) like Model Builder's, running model.onnx with ONNX Runtime.") { model, output, name };
        cmd.SetAction(p => CliApp.Guard(ctx, () =>
        {
            string dir = p.GetValue(model)!;
            if (!Directory.Exists(dir)) throw new CliUsageException($"--model: folder '{dir}' not found.");
            string onnx = Path.Combine(dir, ExportCommand.OnnxFile);
            string target = p.GetValue(output) ?? Path.Combine(dir, DefaultFolder);
            var files = ConsumptionProject.Write(target, p.GetValue(name)!, onnx);
            ctx.Line($"Wrote {string.Join(", ", files)} to {Path.GetFullPath(target)}.");
            ctx.Line($"Run it: dotnet run --project {Path.GetFullPath(target)} -- IMAGE...");
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
