using System.CommandLine;

namespace Rcnn.Cli.Commands;

public static class TrainCommand
{
    public static Command Build(CliContext ctx)
    {
        var dataset = new Option<string>("--dataset", "-d") { Description = "Training data: a COCO .json file or a Pascal VOC root folder (splits from ImageSets/Main: trainval or train; test or val becomes the test set; without --config a root with train, val and test trains on train and validates on val, others hold validation images out of the training split).", Required = true };
        var images = new Option<string?>("--images") { Description = "Image folder of a COCO --dataset (default: the JSON file's folder)." };
        var testDataset = new Option<string?>("--test-dataset") { Description = "Test data (COCO .json or VOC root; its test, else val, split). Default: the --dataset VOC root's test/val split." };
        var testImages = new Option<string?>("--test-images") { Description = "Image folder of a COCO --test-dataset." };
        var config = new Option<string?>("--config", "-c") { Description = "A detectron2-style YAML config. Without it a config is picked from the data and the budget, and explained." };
        var budget = new Option<string>("--time-budget", "-t") { Description = "Wall-clock budget for the whole run, e.g. 30m, 1h30m, 90s. Training stops (and checkpoints) in time to evaluate.", DefaultValueFactory = _ => "30m" };
        var output = new Option<string>("--output", "-o") { Description = "Output folder (checkpoints, metrics, plots, predictions, config).", DefaultValueFactory = _ => "./rcnn-output" };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted run from the output folder's last checkpoint (and its config)." };
        var threads = new Option<int?>("--num-threads") { Description = "Torch threads (default: all cores)." };
        var scratch = new Option<bool>("--from-scratch") { Description = "Without --config: train from scratch instead of fine-tuning ML.NET's ImageNet ResNet-18 (mlnet://ResNet18)." };
        var previews = new Option<int>("--preview-images") { Description = "How many test images to draw predictions on.", DefaultValueFactory = _ => 4 };
        var overrides = new Argument<string[]>("KEY VALUE") { Description = "Config overrides after the options, e.g. SOLVER.MAX_ITER 300 SEED 7.", Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("train", "Train a detector on labelled images within a time budget, evaluate it and write every artefact.")
        {
            dataset, images, testDataset, testImages, config, budget, output, resume, threads, previews, scratch, overrides,
        };
        cmd.SetAction(p => CliApp.Guard(ctx, () =>
        {
            var b = TimeBudget.Parse(p.GetValue(budget)!, "--time-budget");
            int? n = p.GetValue(threads);
            if (n is < 1) throw new CliUsageException($"--num-threads must be >= 1, got {n}.");
            int prev = p.GetValue(previews);
            if (prev < 0) throw new CliUsageException($"--preview-images must be >= 0, got {prev}.");
            var o = new TrainOptions(p.GetValue(dataset)!, p.GetValue(images), p.GetValue(testDataset), p.GetValue(testImages),
                p.GetValue(config), b, p.GetValue(output)!, p.GetValue(resume), n, prev, p.GetValue(scratch), p.GetValue(overrides) ?? []);
            return new TrainRun(o, ctx).Run();
        }));
        return cmd;
    }
}
