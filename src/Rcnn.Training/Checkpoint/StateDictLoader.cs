using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Checkpoint;

/// <summary>What loading a state dict did: keys the model has but the weights lack, keys the weights have but the
/// model lacks, and keys present in both with different shapes (not loaded).</summary>
public sealed record LoadReport(
    IReadOnlyList<string> Loaded,
    IReadOnlyList<(string Name, long[] Shape)> Missing,
    IReadOnlyList<(string Name, long[] Shape)> Unexpected,
    IReadOnlyList<(string Name, long[] ModelShape, long[] CheckpointShape)> ShapeMismatches)
{
    public bool IsComplete => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatches.Count == 0;

    public override string ToString()
    {
        static string S(long[] s) => "[" + string.Join(", ", s) + "]";
        var lines = new List<string> { $"loaded {Loaded.Count} tensors" };
        if (Missing.Count > 0) lines.Add("missing in checkpoint: " + string.Join("; ", Missing.Select(m => $"{m.Name} {S(m.Shape)}")));
        if (Unexpected.Count > 0) lines.Add("not in model: " + string.Join("; ", Unexpected.Select(m => $"{m.Name} {S(m.Shape)}")));
        if (ShapeMismatches.Count > 0)
            lines.Add("shape mismatch: " + string.Join("; ", ShapeMismatches.Select(m => $"{m.Name} model {S(m.ModelShape)} vs checkpoint {S(m.CheckpointShape)}")));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Copies named tensors into a module's parameters and buffers, reporting every key that does not fit.</summary>
public static class StateDictLoader
{
    /// <param name="strict">Throw when anything is missing, unexpected or mis-shaped (the message lists them all).</param>
    public static LoadReport Load(nn.Module module, IReadOnlyDictionary<string, Tensor> weights, bool strict = false)
    {
        var state = module.state_dict();
        var loaded = new List<string>();
        var missing = new List<(string, long[])>();
        var mismatched = new List<(string, long[], long[])>();
        using (no_grad())
        {
            foreach (var (name, target) in state)
            {
                if (!weights.TryGetValue(name, out var source))
                {
                    // BatchNorm's step counter is bookkeeping, not a weight.
                    if (!name.EndsWith("num_batches_tracked")) missing.Add((name, target.shape));
                    continue;
                }
                if (!source.shape.SequenceEqual(target.shape))
                {
                    mismatched.Add((name, target.shape, source.shape));
                    continue;
                }
                target.copy_(source.to(target.dtype).to(target.device));
                loaded.Add(name);
            }
        }
        // A BatchNorm checkpoint loaded into FrozenBatchNorm carries a step counter the frozen layer has no use for.
        var unexpected = weights.Where(w => !state.ContainsKey(w.Key) && !w.Key.EndsWith("num_batches_tracked"))
            .Select(w => (w.Key, w.Value.shape)).ToList();
        var report = new LoadReport(loaded, missing, unexpected, mismatched);
        if (strict && !report.IsComplete)
            throw new InvalidDataException("The weights do not fit the model:" + Environment.NewLine + report);
        return report;
    }
}
