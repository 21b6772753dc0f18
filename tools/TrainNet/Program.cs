using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;

namespace Rcnn.Tools.TrainNet;

/// <summary>
/// detectron2's tools/train_net.py: train a detector from a config, or evaluate one with --eval-only.
/// Exit codes: 0 done, 1 failed while running, 2 bad command line / config / missing file, 130 stopped by Ctrl+C
/// (after writing a checkpoint of the last finished iteration).
/// </summary>
public static class Program
{
    public const int Ok = 0, Failed = 1, UsageError = 2, Interrupted = 130;

    public static int Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (stop.IsCancellationRequested) return;  // a second Ctrl+C ends the process at once
            e.Cancel = true;
            Console.Error.WriteLine("Ctrl+C: stopping after the current iteration (press again to abort).");
            stop.Cancel();
        };
        return Run(args, Console.Out, Console.Error, stop.Token);
    }

    /// <summary>The whole program with its writers and stop signal given, so it can run in-process.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken stop = default)
    {
        TrainNetArguments a;
        try
        {
            a = TrainNetArguments.Parse(args);
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            stderr.WriteLine(TrainNetArguments.Usage);
            return UsageError;
        }
        if (a.Help)
        {
            stdout.WriteLine(TrainNetArguments.Usage);
            return Ok;
        }
        if (!File.Exists(a.ConfigFile))
        {
            stderr.WriteLine($"error: config file not found: {a.ConfigFile}");
            return UsageError;
        }
        RcnnConfig cfg;
        DatasetCatalog catalog;
        try
        {
            cfg = RcnnConfig.FromFile(a.ConfigFile!, a.Overrides);
            catalog = BuildCatalog(a, stdout);
        }
        catch (Exception e) when (e is ConfigException or ArgumentException or FileNotFoundException or DirectoryNotFoundException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UsageError;
        }
        stdout.WriteLine($"Command line: {string.Join(" ", args)}");
        try
        {
            using var trainer = new DefaultTrainer(cfg, catalog, new DefaultTrainerOptions { NumThreads = a.NumThreads, Log = stdout.WriteLine });
            trainer.ResumeOrLoad(a.Resume);
            if (a.EvalOnly)
            {
                if (!a.Resume && string.IsNullOrWhiteSpace(cfg.Model.Weights))
                    stderr.WriteLine("warning: --eval-only without MODEL.WEIGHTS or --resume evaluates an untrained model.");
                trainer.Test();
                return Ok;
            }
            return trainer.Train(stop) ? Ok : Interrupted;
        }
        catch (ConfigException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UsageError;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or DatasetException or KeyNotFoundException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return UsageError;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            stderr.WriteLine(e.StackTrace);
            return Failed;
        }
    }

    private static DatasetCatalog BuildCatalog(TrainNetArguments a, TextWriter stdout)
    {
        var catalog = new DatasetCatalog(DatasetLog.FromAction(stdout.WriteLine));
        BuiltinDatasets.RegisterAll(catalog);
        foreach (var d in a.Datasets)
        {
            if (d.Kind == "coco")
            {
                if (!File.Exists(d.First)) throw new FileNotFoundException($"--register-coco {d.Name}: JSON file not found: {d.First}", d.First);
                if (!Directory.Exists(d.Second)) throw new DirectoryNotFoundException($"--register-coco {d.Name}: image folder not found: {d.Second}");
                catalog.RegisterCocoJson(d.Name, d.First, d.Second);
            }
            else
            {
                if (!Directory.Exists(d.First)) throw new DirectoryNotFoundException($"--register-voc {d.Name}: VOC root not found: {d.First}");
                catalog.RegisterPascalVoc(d.Name, d.First, d.Second);
            }
        }
        return catalog;
    }
}
