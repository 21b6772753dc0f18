using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>The normalisation layers a config can name (detectron2's <c>get_norm</c>).</summary>
public static class Norm
{
    /// <summary>The names <see cref="Create"/> accepts: "" (no norm), "BN", "SyncBN" (plain BN here), "FrozenBN",
    /// "GN".</summary>
    public static readonly IReadOnlyList<string> Supported = new[] { "", "BN", "SyncBN", "FrozenBN", "GN" };

    /// <summary>GroupNorm's group count (detectron2's): a GN layer's channels must be a multiple of it.</summary>
    public const int GroupNormGroups = 32;

    /// <summary>The layer for <paramref name="norm"/> over <paramref name="channels"/>, or null for "" (no norm).</summary>
    public static nn.Module<Tensor, Tensor>? Create(string norm, int channels) => norm switch
    {
        "" => null,
        // One process, one device: SyncBN has nothing to synchronise with, so it is plain BN.
        "BN" or "SyncBN" => nn.BatchNorm2d(channels),
        "FrozenBN" => new FrozenBatchNorm2d(channels),
        "GN" => GroupNorm(channels),
        _ => throw new ArgumentException(
            $"Unknown norm '{norm}'; supported: {string.Join(", ", Supported.Select(s => s.Length == 0 ? "\"\"" : s))}.", nameof(norm)),
    };

    /// <summary>GroupNorm with <see cref="GroupNormGroups"/> groups, as detectron2. TorchSharp 0.107's GroupNorm leaves its affine parameters
    /// uninitialised (garbage, often NaN), so they are set to PyTorch's defaults here: weight 1, bias 0.</summary>
    private static nn.Module<Tensor, Tensor> GroupNorm(int channels)
    {
        var gn = nn.GroupNorm(GroupNormGroups, channels);
        using var _ = no_grad();
        gn.weight!.fill_(Scalars.One);
        gn.bias!.zero_();
        return gn;
    }
}
