using System.CommandLine;

namespace Rcnn.Cli.Commands;

public static class ExperimentCommand
{
    public static Command Build(CliContext ctx)
    {
        var dataset = new Option<string>("--dataset", "-d") { Description = "Training data: a COCO .json file or a Pascal VOC root (trials train on its train split, or trainval).", Required = true };
        var images = new Option<string?>("--images") { Description = "Image folder of a COCO --dataset." };
        var validation = new Option<string?>("--validation-dataset") { Description = "Validation data that scores the trials (COCO .json or VOC root). Default: the --dataset VOC root's val split, else images held out of its training split (never test data)." };
        var validationImages = new Option<string?>("--validation-images") { Description = "Image folder of a COCO --validation-dataset." };
        var budget = new Option<string>("--time-budget", "-t") { Description = "Wall-clock budget of the whole search, e.g. 20m.", DefaultValueFactory = _ => "20m" };
        var trials = new Option<int>("--max-trials") { Description = "Most trials to run.", DefaultValueFactory = _ => 6 };
        var tuner = new Option<string>("--tuner") { Description = "random | halving (successive halving: several trials train for the same short time each; the best by validation MAP50 resumes and trains on with the rest of the budget, steered by validation as rcnn train is).", DefaultValueFactory = _ => "halving" };
        tuner.AcceptOnlyFromAmong("random", "halving");
        var seed = new Option<int>("--seed") { Description = "Seed of the sampled parameters and of each trial's training.", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--output", "-o") { Description = "Experiment folder: one folder per finished trial and experiment.json.", DefaultValueFactory = _ => "./rcnn-experiment" };
        var threads = new Option<int?>("--num-threads") { Description = "Torch threads (default: all cores)." };
        var cmd = new Command("experiment", "Search pretrained or from-scratch trunks (and FREEZE_AT), backbone depth, learning rate, image size, anchors, ROI batch, FPN width and iterations within a time budget, scoring trials on validation data only; prints a leaderboard.")
        {
            dataset, images, validation, validationImages, budget, trials, tuner, seed, output, threads,
        };
        cmd.SetAction(p => CliApp.Guard(ctx, () =>
        {
            var b = TimeBudget.Parse(p.GetValue(budget)!, "--time-budget");
            int n = p.GetValue(trials);
            if (n < 1) throw new CliUsageException($"--max-trials must be >= 1, got {n}.");
            int? t = p.GetValue(threads);
            if (t is < 1) throw new CliUsageException($"--num-threads must be >= 1, got {t}.");
            var o = new ExperimentOptions(p.GetValue(dataset)!, p.GetValue(images), p.GetValue(validation), p.GetValue(validationImages),
                b, n, p.GetValue(tuner)!, p.GetValue(seed), p.GetValue(output)!, t);
            return new ExperimentRun(o, ctx).Run();
        }));
        return cmd;
    }
}
