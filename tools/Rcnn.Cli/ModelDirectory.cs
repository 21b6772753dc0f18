using System.Text.Json;
using Rcnn.Training.Config;
using Rcnn.Training.Engine;
using Rcnn.Training.Modeling.MetaArch;

namespace Rcnn.Cli;

/// <summary>
/// A trained model as <c>rcnn train</c> leaves it in its output folder: config.yaml (the resolved config),
/// classes.json (class names in contiguous-id order) and the checkpoint of the final model: the one results.json names
/// (the best by validation), else the one last_checkpoint names.
/// </summary>
public sealed class ModelDirectory
{
    public const string ClassesFile = "classes.json";

    private ModelDirectory(string directory, RcnnConfig config, IReadOnlyList<string> classes, string checkpoint)
    {
        Directory = directory;
        Config = config;
        Classes = classes;
        Checkpoint = checkpoint;
    }

    public string Directory { get; }
    public RcnnConfig Config { get; }
    public IReadOnlyList<string> Classes { get; }
    public string Checkpoint { get; }

    public static void WriteClasses(string directory, IReadOnlyList<string> classes) =>
        File.WriteAllText(Path.Combine(directory, ClassesFile), JsonSerializer.Serialize(classes));

    /// <summary>Opens a training output folder; <paramref name="option"/> names the argument in errors.</summary>
    public static ModelDirectory Open(string directory, string option = "--model")
    {
        if (!System.IO.Directory.Exists(directory)) throw new CliUsageException($"{option}: model folder '{directory}' not found.");
        string cfgFile = Path.Combine(directory, DefaultTrainer.ConfigFile);
        if (!File.Exists(cfgFile)) throw new CliUsageException($"{option}: '{directory}' has no {DefaultTrainer.ConfigFile}; is it an 'rcnn train' output folder?");
        string classesFile = Path.Combine(directory, ClassesFile);
        if (!File.Exists(classesFile)) throw new CliUsageException($"{option}: '{directory}' has no {ClassesFile}; is it an 'rcnn train' output folder?");
        var classes = JsonSerializer.Deserialize<string[]>(File.ReadAllText(classesFile))
            ?? throw new CliUsageException($"{classesFile} does not hold a JSON array of class names.");
        string last = Path.Combine(directory, Checkpointer.LastCheckpointFile);
        string? ckpt = FinalCheckpoint(directory) ?? (File.Exists(last) ? Path.Combine(directory, File.ReadAllText(last).Trim()) : null);
        if (ckpt is null || !File.Exists(ckpt))
            ckpt = System.IO.Directory.GetFiles(directory, "*" + Checkpointer.Extension).OrderBy(File.GetLastWriteTimeUtc).LastOrDefault()
                ?? throw new CliUsageException($"{option}: '{directory}' has no checkpoint (*{Checkpointer.Extension}).");
        var cfg = RcnnConfig.FromFile(cfgFile);
        return new ModelDirectory(directory, cfg, classes, ckpt);
    }

    /// <summary>The checkpoint results.json names as the run's final model, when it does and the file is there.</summary>
    private static string? FinalCheckpoint(string directory)
    {
        string results = Path.Combine(directory, Commands.TrainRun.ResultsFile);
        if (!File.Exists(results)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(results));
            return doc.RootElement.TryGetProperty("checkpoint", out var c) && c.ValueKind == JsonValueKind.String
                && Path.Combine(directory, c.GetString()!) is var path && File.Exists(path) ? path : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The detector with the checkpoint's weights, in eval mode.</summary>
    public GeneralizedRcnn LoadModel()
    {
        Rcnn.Training.TorchRuntime.EnsureLoaded();
        var model = GeneralizedRcnn.FromConfig(Config);
        Checkpointer.LoadWeights(Checkpoint, model, strict: true);
        model.eval();
        return model;
    }
}
