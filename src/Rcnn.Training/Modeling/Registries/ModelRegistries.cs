using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling;

/// <summary>The registries of detectron2's Faster R-CNN, each tied to the config key that names what to build.
/// <see cref="Default"/> is the process-wide set that <see cref="RegisterModuleAttribute"/> classes land in; a plugin
/// that brings its own set builds models with <see cref="BuildModel"/> on it, and every part of the model (backbone,
/// proposal generator, ROI heads, their anchor generator, RPN head and box head) then comes from that set
/// (<see cref="Current"/>).</summary>
public sealed partial class ModelRegistries
{
    private static readonly AsyncLocal<ModelRegistries?> Ambient = new();

    private static readonly Lazy<ModelRegistries> LazyDefault = new(() =>
    {
        var r = new ModelRegistries();
        // A process-wide table would pin a collectible (unloadable) assembly's types forever; such plugins register
        // into their own ModelRegistries instead.
        r.WatchAssemblies(a => !a.IsCollectible);
        return r;
    });

    /// <summary>The shared registries, filled from every loaded assembly and from each assembly loaded later
    /// (collectible assemblies excepted).</summary>
    public static ModelRegistries Default => LazyDefault.Value;

    /// <summary>The set modules build their parts from: the one a <see cref="BuildModel"/> or <see cref="BuildBackbone"/>
    /// in progress on this flow was called on (<see cref="Use"/>), else <see cref="Default"/>.</summary>
    public static ModelRegistries Current => Ambient.Value ?? Default;

    /// <summary>Makes this set <see cref="Current"/> on this flow until the result is disposed.</summary>
    public IDisposable Use()
    {
        var previous = Ambient.Value;
        Ambient.Value = this;
        return new Restore(previous);
    }

    private sealed class Restore(ModelRegistries? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }

    /// <summary>An empty, independent set (nothing is discovered until <see cref="WatchAssemblies"/> or <see cref="RegisterAssembly"/>).</summary>
    public ModelRegistries()
    {
        MetaArch = new("META_ARCH", "MODEL.META_ARCHITECTURE", ThrowPendingErrors);
        Backbone = new("BACKBONE", "MODEL.BACKBONE.NAME", ThrowPendingErrors);
        ProposalGenerator = new("PROPOSAL_GENERATOR", "MODEL.PROPOSAL_GENERATOR.NAME", ThrowPendingErrors);
        RpnHead = new("RPN_HEAD", "MODEL.RPN.HEAD_NAME", ThrowPendingErrors);
        AnchorGenerator = new("ANCHOR_GENERATOR", "MODEL.ANCHOR_GENERATOR.NAME", ThrowPendingErrors);
        RoiHeads = new("ROI_HEADS", "MODEL.ROI_HEADS.NAME", ThrowPendingErrors);
        RoiBoxHead = new("ROI_BOX_HEAD", "MODEL.ROI_BOX_HEAD.NAME", ThrowPendingErrors);
    }

    /// <summary>Input: none (<see cref="NoInput"/>); a META_ARCH's <c>FromConfig</c> may take the config alone.
    /// </summary>
    public Registry<nn.Module, NoInput> MetaArch { get; }

    /// <summary>Input: the image's shape (channels = number of PIXEL_MEAN entries).</summary>
    public Registry<nn.Module, ShapeSpec> Backbone { get; }

    /// <summary>Input: the backbone's output shapes by feature name.</summary>
    public Registry<nn.Module, IReadOnlyDictionary<string, ShapeSpec>> ProposalGenerator { get; }

    /// <summary>Input: the shapes of RPN.IN_FEATURES, in order.</summary>
    public Registry<nn.Module, IReadOnlyList<ShapeSpec>> RpnHead { get; }

    /// <summary>Input: the shapes of the feature maps anchors are laid on, in order.</summary>
    public Registry<nn.Module, IReadOnlyList<ShapeSpec>> AnchorGenerator { get; }

    /// <summary>Input: the backbone's output shapes by feature name.</summary>
    public Registry<nn.Module, IReadOnlyDictionary<string, ShapeSpec>> RoiHeads { get; }

    /// <summary>Input: the pooled region shape (channels, POOLER_RESOLUTION x POOLER_RESOLUTION).</summary>
    public Registry<nn.Module, ShapeSpec> RoiBoxHead { get; }

    /// <summary>The registry of <paramref name="kind"/>, without its module and input types.</summary>
    public IModuleRegistry this[RegistryKind kind] => kind switch
    {
        RegistryKind.MetaArch => MetaArch,
        RegistryKind.Backbone => Backbone,
        RegistryKind.ProposalGenerator => ProposalGenerator,
        RegistryKind.RpnHead => RpnHead,
        RegistryKind.AnchorGenerator => AnchorGenerator,
        RegistryKind.RoiHeads => RoiHeads,
        RegistryKind.RoiBoxHead => RoiBoxHead,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a registry kind"),
    };

    /// <summary>The input type a <c>FromConfig</c> for <paramref name="kind"/> takes.</summary>
    public static Type InputTypeOf(RegistryKind kind) => new ModelRegistries()[kind].InputType;

    /// <summary>detectron2's <c>build_model</c> entry point: the META_ARCH named by MODEL.META_ARCHITECTURE.</summary>
    public nn.Module BuildModel(RcnnConfig cfg)
    {
        using var _ = Use();
        return MetaArch.Build(cfg, default);
    }

    /// <summary>detectron2's <c>build_backbone</c>: the input shape defaults to one channel per PIXEL_MEAN entry.</summary>
    public nn.Module BuildBackbone(RcnnConfig cfg, ShapeSpec? inputShape = null)
    {
        using var _ = Use();
        return Backbone.Build(cfg, inputShape ?? new ShapeSpec(cfg.Model.PixelMean.Count));
    }
}
