using System.Globalization;
using Rcnn.Training.Data;
using static TorchSharp.torch;

namespace Rcnn.Training.Engine;

/// <summary>
/// A resumed run continues the interrupted one exactly: its checkpoints carry the seed and torch's RNG state (the RPN
/// and ROI samplers draw from it), and the data stream is replayed up to the resumed iteration (each position's
/// sampling and augmentation are functions of the seed and the position), so iteration N after a resume sees the
/// same images, augmentations and samples as iteration N of an uninterrupted run. detectron2 restarts its sampler
/// instead; replaying costs one data-loading pass over the iterations already done, without the model.
/// </summary>
public sealed partial class DefaultTrainer
{
    private const string SeedKey = "seed";
    private const string RngStateKey = "torch_rng_state";

    /// <summary>What every checkpoint adds to its extra values (see <see cref="Checkpointer.RunState"/>).</summary>
    private IReadOnlyDictionary<string, string> RunState()
    {
        using var state = random.get_rng_state();
        return new Dictionary<string, string>
        {
            [SeedKey] = Seed.ToString(CultureInfo.InvariantCulture),
            [RngStateKey] = Convert.ToBase64String(state.data<byte>().ToArray()),
        };
    }

    /// <summary>Takes the seed and torch's RNG state back from a resumed checkpoint; older checkpoints without them keep
    /// this run's seed (logged: the data order then restarts).</summary>
    private void RestoreRunState(IReadOnlyDictionary<string, string> extra)
    {
        if (!extra.TryGetValue(SeedKey, out var seedText) || !extra.TryGetValue(RngStateKey, out var rngText))
        {
            Log("The checkpoint has no seed and RNG state (saved by an older version): training continues, but not as the interrupted run would have.");
            return;
        }
        Seed = int.Parse(seedText, CultureInfo.InvariantCulture);
        var bytes = Convert.FromBase64String(rngText);
        using var state = tensor(bytes, dtype: ScalarType.Byte);
        random.set_rng_state(state);
    }

    /// <summary>Draws (and drops) the batches the iterations before <see cref="StartIteration"/> used.</summary>
    private void ReplayData(DetectionDataLoader loader)
    {
        if (StartIteration <= 0) return;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < StartIteration; i++)
        {
            var batch = loader.NextBatch() ?? throw new InvalidOperationException("The training stream ended, which an endless sampler never does.");
            foreach (var sample in batch) sample.Dispose();
        }
        Log(string.Create(CultureInfo.InvariantCulture,
            $"Replayed the data stream to iteration {StartIteration} in {watch.Elapsed.TotalSeconds:F1} s, so the resumed run sees what the interrupted one would have."));
    }
}
