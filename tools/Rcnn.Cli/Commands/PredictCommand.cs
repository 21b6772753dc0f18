using System.CommandLine;

namespace Rcnn.Cli.Commands;

public static class PredictCommand
{
    public static Command Build(CliContext ctx)
    {
        var model = new Option<string>("--model", "-m") { Description = "An 'rcnn train' output folder.", Required = true };
        var inputs = new Argument<string[]>("IMAGES") { Description = "Image files or folders.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Folder for the drawn images and predictions.json.", DefaultValueFactory = _ => "./rcnn-predictions" };
        var threshold = new Option<float>("--score-threshold", "-s") { Description = "Keep detections scoring at least this.", DefaultValueFactory = _ => 0.5f };
        var cmd = new Command("predict", "Detect objects in images: draws the boxes and writes predictions.json.") { model, inputs, output, threshold };
        cmd.SetAction(p => CliApp.Guard(ctx, () => PredictRun.Run(p.GetValue(model)!, p.GetValue(inputs)!, p.GetValue(output)!, p.GetValue(threshold), ctx)));
        return cmd;
    }
}
