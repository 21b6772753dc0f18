using System.CommandLine;

namespace Rcnn.Cli.Commands;

public static class EvalCommand
{
    public static Command Build(CliContext ctx)
    {
        var model = new Option<string>("--model", "-m") { Description = "An 'rcnn train' output folder.", Required = true };
        var dataset = new Option<string>("--dataset", "-d") { Description = "A COCO .json file or a Pascal VOC root (its test, else val, split).", Required = true };
        var images = new Option<string?>("--images") { Description = "Image folder of a COCO --dataset (default: the JSON file's folder)." };
        var output = new Option<string?>("--output", "-o") { Description = "Folder for coco_instances_results.json, eval_metrics.json and PR curves." };
        var cmd = new Command("eval", "Evaluate a trained model (COCO AP, AP50, per-class AP) on a dataset.") { model, dataset, images, output };
        cmd.SetAction(p => CliApp.Guard(ctx, () => EvalRun.Run(p.GetValue(model)!, p.GetValue(dataset)!, p.GetValue(images), p.GetValue(output), ctx)));
        return cmd;
    }
}
