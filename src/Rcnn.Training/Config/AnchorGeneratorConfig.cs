namespace Rcnn.Training.Config;

/// <summary><c>MODEL.ANCHOR_GENERATOR</c>. Each outer list has one entry per feature map, or a single entry shared by all.</summary>
public sealed class AnchorGeneratorConfig
{
    /// <summary>Name looked up in the ANCHOR_GENERATOR registry.</summary>
    public string Name { get; set; } = "DefaultAnchorGenerator";

    /// <summary>Anchor sizes as sqrt(area) in input pixels.</summary>
    [ConfigRange(Min = 0, MinExclusive = true), ConfigLength(Min = 1)]
    public List<List<double>> Sizes { get; set; } = [[32, 64, 128, 256, 512]];

    /// <summary>Aspect ratios as height / width.</summary>
    [ConfigRange(Min = 0, MinExclusive = true), ConfigLength(Min = 1)]
    public List<List<double>> AspectRatios { get; set; } = [[0.5, 1.0, 2.0]];

    /// <summary>Degrees; used by rotated anchors only.</summary>
    public List<List<double>> Angles { get; set; } = [[-90, 0, 90]];

    /// <summary>Anchor center offset in units of the stride; detectron2 keeps 0.0 for compatibility, 0.5 is centered.</summary>
    [ConfigRange(0, 1, MaxExclusive = true)]
    public double Offset { get; set; }
}
