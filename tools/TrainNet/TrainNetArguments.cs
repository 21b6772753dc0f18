namespace Rcnn.Tools.TrainNet;

/// <summary>A user dataset given on the command line: COCO (JSON file, image folder) or VOC (root, split).</summary>
public sealed record DatasetRegistration(string Kind, string Name, string First, string Second);

/// <summary>
/// train_net.py's command line: flags first, then KEY VALUE config overrides. As argparse's REMAINDER, everything from
/// the first positional argument on is an override (so values like "-1" need no quoting).
/// </summary>
public sealed record TrainNetArguments(
    string? ConfigFile,
    bool Resume,
    bool EvalOnly,
    int? NumThreads,
    bool Help,
    IReadOnlyList<DatasetRegistration> Datasets,
    IReadOnlyList<string> Overrides)
{
    public const string Usage = """
        Usage: TrainNet --config-file FILE [--resume] [--eval-only] [--num-threads N]
                        [--register-coco NAME JSON IMAGEROOT] [--register-voc NAME ROOT SPLIT] [KEY VALUE ...]

        Trains (or with --eval-only, evaluates) a Faster R-CNN from a detectron2-style config.

          --config-file FILE     the YAML config (its _BASE_ chain is followed)
          --resume               continue from OUTPUT_DIR/last_checkpoint (iteration and optimizer state);
                                 without it, start from MODEL.WEIGHTS (if set) at iteration 0
          --eval-only            evaluate on DATASETS.TEST and exit (MODEL.WEIGHTS, or the last checkpoint with --resume)
          --num-threads N        torch threads (default: all cores)
          --register-coco NAME JSON IMAGEROOT   register a COCO-format dataset under NAME
          --register-voc NAME ROOT SPLIT        register a Pascal VOC dataset under NAME (classes found in the split, sorted)
          -h, --help             show this help
          KEY VALUE ...          config overrides, e.g. SOLVER.MAX_ITER 300 SEED 42

        Builtin datasets: bccd_train, bccd_val, bccd_trainval, bccd_test (classes RBC, WBC, Platelets) and cards_train,
        cards_test (playing cards: nine, ten, jack, queen, king, ace), under $RCNN_DATASETS or the repository's datasets/
        folder.
        """;

    /// <summary>Parses <paramref name="args"/>; a usage error is an <see cref="ArgumentException"/> with the reason.</summary>
    public static TrainNetArguments Parse(IReadOnlyList<string> args)
    {
        string? config = null;
        bool resume = false, evalOnly = false, help = false;
        int? threads = null;
        var datasets = new List<DatasetRegistration>();
        int i = 0;
        string[] Take(string flag, int count)
        {
            if (i + count >= args.Count)
                throw new ArgumentException($"{flag} needs {count} value(s), got {args.Count - i - 1}.");
            var values = args.Skip(i + 1).Take(count).ToArray();
            if (values.Any(v => v.StartsWith("--", StringComparison.Ordinal)))
                throw new ArgumentException($"{flag} needs {count} value(s), got '{string.Join(" ", values)}'.");
            i += count;
            return values;
        }
        for (; i < args.Count; i++)
        {
            string a = args[i];
            if (!a.StartsWith('-')) break;  // the overrides start here
            switch (a)
            {
                case "--config-file": config = Take(a, 1)[0]; break;
                case "--resume": resume = true; break;
                case "--eval-only": evalOnly = true; break;
                case "-h" or "--help": help = true; break;
                case "--num-threads":
                    string v = Take(a, 1)[0];
                    if (!int.TryParse(v, out int n) || n < 1) throw new ArgumentException($"--num-threads needs a positive integer, got '{v}'.");
                    threads = n;
                    break;
                case "--register-coco":
                    var c = Take(a, 3);
                    datasets.Add(new DatasetRegistration("coco", c[0], c[1], c[2]));
                    break;
                case "--register-voc":
                    var p = Take(a, 3);
                    datasets.Add(new DatasetRegistration("voc", p[0], p[1], p[2]));
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{a}'. Run with --help for the options.");
            }
        }
        var overrides = args.Skip(i).ToList();
        if (!help && config is null) throw new ArgumentException("--config-file is required.");
        if (overrides.Count % 2 != 0)
            throw new ArgumentException($"Config overrides must be KEY VALUE pairs; '{overrides[^1]}' has no value.");
        return new TrainNetArguments(config, resume, evalOnly, threads, help, datasets, overrides);
    }
}
