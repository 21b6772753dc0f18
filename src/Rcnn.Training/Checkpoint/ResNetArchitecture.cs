using System.Globalization;
using Rcnn.Training.Config;
using Rcnn.Training.Modeling.Backbones;

namespace Rcnn.Training.Checkpoint;

/// <summary>
/// The shape of a ResNet trunk read from a weights file, in MODEL.RESNETS terms: block type, blocks per stage, widths,
/// groups, where the stride of a bottleneck sits and the res5 dilation. <see cref="Mismatches"/> compares it with a
/// config, so weights that would load tensor by tensor into a differently wired net are refused.
/// </summary>
public sealed record ResNetArchitecture(
    bool Bottleneck,
    IReadOnlyList<int> BlocksPerStage,
    int InChannels,
    int StemOutChannels,
    int Res2OutChannels,
    int NumGroups,
    int WidthPerGroup,
    bool StrideIn1x1,
    int Res5Dilation)
{
    /// <summary>A DEPTH whose blocks are <see cref="BlocksPerStage"/> when there is one, else 18 or 50 (the block type);
    /// then MODEL.RESNETS.NUM_BLOCKS_PER_STAGE carries the counts.</summary>
    public int Depth => (Bottleneck ? new[] { 50, 101, 152 } : new[] { 18, 34 })
        .FirstOrDefault(d => ResNet.BlocksPerStage(d).SequenceEqual(BlocksPerStage), Bottleneck ? 50 : 18);

    /// <summary>The MODEL.RESNETS overrides (KEY VALUE pairs) that build this trunk.</summary>
    public IReadOnlyList<string> ConfigOverrides()
    {
        var inv = CultureInfo.InvariantCulture;
        var pairs = new List<string>
        {
            "MODEL.RESNETS.DEPTH", Depth.ToString(inv),
            "MODEL.RESNETS.NUM_BLOCKS_PER_STAGE", ResNet.BlocksPerStage(Depth).SequenceEqual(BlocksPerStage) ? "[]" : List(BlocksPerStage),
            "MODEL.RESNETS.STEM_OUT_CHANNELS", StemOutChannels.ToString(inv),
            "MODEL.RESNETS.RES2_OUT_CHANNELS", Res2OutChannels.ToString(inv),
        };
        if (Bottleneck)
            pairs.AddRange([
                "MODEL.RESNETS.NUM_GROUPS", NumGroups.ToString(inv),
                "MODEL.RESNETS.WIDTH_PER_GROUP", WidthPerGroup.ToString(inv),
                "MODEL.RESNETS.STRIDE_IN_1X1", StrideIn1x1 ? "True" : "False",
                "MODEL.RESNETS.RES5_DILATION", Res5Dilation.ToString(inv),
            ]);
        return pairs;
    }

    /// <summary>Each MODEL.RESNETS key (and the image channels) whose value builds a different trunk, with the value this
    /// trunk needs; empty when the config builds it. Stages the config does not build are not compared.</summary>
    public IReadOnlyList<string> Mismatches(RcnnConfig cfg, int builtStages)
    {
        var r = cfg.Model.ResNets;
        var found = new List<string>();
        void Check(bool same, string key, string ours, string theirs)
        {
            if (!same) found.Add($"{key} is {ours} but the weights need {theirs}");
        }
        Check(r.Depth >= 50 == Bottleneck, "MODEL.RESNETS.DEPTH", r.Depth.ToString(CultureInfo.InvariantCulture),
            Bottleneck ? "50 or more (bottleneck blocks)" : "18 or 34 (basic blocks)");
        IReadOnlyList<int> configured;
        try
        {
            configured = ResNet.BlocksPerStage(r.Depth, r.NumBlocksPerStage);
        }
        catch (ArgumentException)
        {
            configured = [];
        }
        int n = Math.Min(builtStages, 4);
        Check(configured.Count == 4 && configured.Take(n).SequenceEqual(BlocksPerStage.Take(n)), "MODEL.RESNETS.NUM_BLOCKS_PER_STAGE",
            $"{List(r.NumBlocksPerStage)} (blocks {List(configured)})", $"{List(BlocksPerStage)} (with DEPTH {Depth})");
        Check(cfg.Model.PixelMean.Count == InChannels, "MODEL.PIXEL_MEAN", $"{cfg.Model.PixelMean.Count} channels", $"{InChannels}");
        Check(r.StemOutChannels == StemOutChannels, "MODEL.RESNETS.STEM_OUT_CHANNELS", $"{r.StemOutChannels}", $"{StemOutChannels}");
        Check(r.Res2OutChannels == Res2OutChannels, "MODEL.RESNETS.RES2_OUT_CHANNELS", $"{r.Res2OutChannels}", $"{Res2OutChannels}");
        if (Bottleneck)
        {
            Check(r.NumGroups == NumGroups, "MODEL.RESNETS.NUM_GROUPS", $"{r.NumGroups}", $"{NumGroups}");
            Check(r.WidthPerGroup == WidthPerGroup, "MODEL.RESNETS.WIDTH_PER_GROUP", $"{r.WidthPerGroup}", $"{WidthPerGroup}");
            if (builtStages >= 2)
                Check(r.StrideIn1x1 == StrideIn1x1, "MODEL.RESNETS.STRIDE_IN_1X1", r.StrideIn1x1 ? "True" : "False",
                    StrideIn1x1 ? "True (the stride is in the first 1x1 conv)" : "False (the stride is in the 3x3 conv)");
            if (builtStages >= 4)
                Check(r.Res5Dilation == Res5Dilation, "MODEL.RESNETS.RES5_DILATION", $"{r.Res5Dilation}", $"{Res5Dilation}");
        }
        if (r.Norm is not (ConfigNorms.FrozenBatchNorm or ConfigNorms.BatchNorm))
            found.Add($"MODEL.RESNETS.NORM is \"{r.Norm}\" but the weights carry BatchNorm statistics: use \"FrozenBN\" (or \"BN\")");
        return found;
    }

    private static string List(IEnumerable<int> values) => "[" + string.Join(", ", values) + "]";
}
