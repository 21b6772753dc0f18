using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>The normalisation layers a config can name (detectron2's <c>get_norm</c>).</summary>
public static class Norm
{
    public static readonly IReadOnlyList<string> Supported = new[] { "", "BN", "SyncBN", "FrozenBN", "GN" };

    /// <summary>The layer for <paramref name="norm"/> over <paramref name="channels"/>, or null for "" (no norm).</summary>
    public static nn.Module<Tensor, Tensor>? Create(string norm, int channels) => norm switch
    {
        "" => null,
        // One process, one device: SyncBN has nothing to synchronise with, so it is plain BN.
        "BN" or "SyncBN" => nn.BatchNorm2d(channels),
        "FrozenBN" => new FrozenBatchNorm2d(channels),
        "GN" => nn.GroupNorm(32, channels),
        _ => throw new ArgumentException(
            $"Unknown norm '{norm}'; supported: {string.Join(", ", Supported.Select(s => s.Length == 0 ? "\"\"" : s))}.", nameof(norm)),
    };
}
