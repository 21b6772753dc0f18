namespace Rcnn.Training.Config;

/// <summary><c>MODEL.BACKBONE</c>.</summary>
public sealed class BackboneConfig
{
    /// <summary>Name looked up in the BACKBONE registry.</summary>
    public string Name { get; set; } = "build_resnet_backbone";

    /// <summary>Stages frozen from the bottom: 0 none, 1 the stem, 2 stem and res2, ... 5 everything.</summary>
    [ConfigRange(0, 5)]
    public int FreezeAt { get; set; } = 2;
}
