using Rcnn.Cli.Datasets;
using Rcnn.Cli.Output;
using Rcnn.Training.Data;
using Rcnn.Training.Evaluation;

namespace Rcnn.Cli.Commands;

/// <summary><c>rcnn eval</c>: COCO metrics of a trained model on a dataset (its test split, else val, for VOC).</summary>
public static class EvalRun
{
    public static int Run(string modelDir, string dataset, string? images, string? output, CliContext ctx)
    {
        var model = ModelDirectory.Open(modelDir);
        var location = DatasetLocation.Resolve(dataset, images, "--dataset");
        var catalog = new DatasetCatalog(DatasetLog.FromAction(ctx.Line));
        string description;
        if (location.Kind == DatasetKind.CocoJson)
        {
            catalog.RegisterCocoJson("eval", location.Path, location.ImageRoot!);
            var classes = catalog.GetMetadata("eval").ThingClasses;
            if (!classes.SequenceEqual(model.Classes))
                throw new CliUsageException($"--dataset '{dataset}' has classes [{string.Join(", ", classes)}] but the model knows [{string.Join(", ", model.Classes)}].");
            description = location.Path;
        }
        else
        {
            var splits = location.VocSplits();
            string split = splits.Contains("test") ? "test" : splits.Contains("val") ? "val" : splits.FirstOrDefault()
                ?? throw new CliUsageException($"--dataset: Pascal VOC root '{location.Path}' has no split lists in ImageSets/Main.");
            catalog.RegisterPascalVoc("eval", location.Path, split, model.Classes);
            description = $"{location.Path} split '{split}'";
        }
        var data = catalog.Get("eval");
        ctx.Line($"Model: {model.Checkpoint}");
        using var net = model.LoadModel();
        string? outDir = output is null ? null : Path.GetFullPath(output);
        var result = DatasetEvaluation.Evaluate(net, data.Records, data.Metadata, model.Config, outDir, ctx.Line);
        ctx.Console.Write(SummaryTable.Build($"'{description}' ({data.Records.Count} images)", result));
        return ExitCodes.Ok;
    }
}
