using System.Security.Cryptography;
using Rcnn.Training.Config;
using static TorchSharp.torch;

namespace Rcnn.Training.Engine;

public sealed partial class DefaultTrainer
{
    /// <summary>detectron2's <c>default_setup</c>: OUTPUT_DIR with the resolved config.yaml, the thread count, and the
    /// seed of torch and the data loader (a random one, logged, when SEED is negative). Returns the seed used.</summary>
    private static int Setup(RcnnConfig cfg, DefaultTrainerOptions options)
    {
        TorchRuntime.EnsureLoaded();
        if (string.IsNullOrWhiteSpace(cfg.OutputDir)) throw new ConfigException("OUTPUT_DIR is empty.", "OUTPUT_DIR");
        Directory.CreateDirectory(cfg.OutputDir);
        string yaml = Path.Combine(cfg.OutputDir, ConfigFile);
        File.WriteAllText(yaml, cfg.Dump());
        options.Log($"Full config saved to {Path.GetFullPath(yaml)}");

        int threads = options.NumThreads ?? Environment.ProcessorCount;
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(options), threads, "NumThreads must be >= 1.");
        set_num_threads(threads);
        if (!string.Equals(cfg.Model.Device, "cpu", StringComparison.OrdinalIgnoreCase))
            options.Log($"MODEL.DEVICE is '{cfg.Model.Device}'; this trainer runs on the CPU.");

        int seed = cfg.Seed >= 0 ? cfg.Seed : RandomNumberGenerator.GetInt32(int.MaxValue);
        options.Log(cfg.Seed >= 0 ? $"Using seed {seed} (SEED), {threads} threads." : $"Using a random seed {seed} (SEED is {cfg.Seed}), {threads} threads.");
        random.manual_seed(seed);
        return seed;
    }
}
