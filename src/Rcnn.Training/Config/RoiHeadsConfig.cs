namespace Rcnn.Training.Config;

/// <summary><c>MODEL.ROI_HEADS</c>.</summary>
public sealed class RoiHeadsConfig
{
    /// <summary>Name looked up in the ROI_HEADS registry.</summary>
    public string Name { get; set; } = "Res5ROIHeads";

    /// <summary>Foreground classes, background not counted.</summary>
    [ConfigRange(Min = 1)]
    public int NumClasses { get; set; } = 80;

    public List<string> InFeatures { get; set; } = ["res4"];

    [ConfigRange(0, 1), ConfigLength(Min = 1)]
    public List<double> IouThresholds { get; set; } = [0.5];

    [ConfigRange(-1, 1), ConfigLength(Min = 2)]
    public List<int> IouLabels { get; set; } = [0, 1];

    [ConfigRange(Min = 1)]
    public int BatchSizePerImage { get; set; } = 512;

    [ConfigRange(0, 1)]
    public double PositiveFraction { get; set; } = 0.25;

    [ConfigRange(0, 1)]
    public double ScoreThreshTest { get; set; } = 0.05;

    [ConfigRange(0, 1)]
    public double NmsThreshTest { get; set; } = 0.5;

    public bool ProposalAppendGt { get; set; } = true;
}
