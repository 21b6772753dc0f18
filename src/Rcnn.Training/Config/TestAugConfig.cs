namespace Rcnn.Training.Config;

/// <summary><c>TEST.AUG</c>: test-time augmentation.</summary>
public sealed class TestAugConfig
{
    [ConfigSupported(false, Reason = "test-time augmentation, detectron2's GeneralizedRCNNWithTTA, is not implemented")]
    public bool Enabled { get; set; }

    [ConfigRange(Min = 1), ConfigLength(Min = 1)]
    public List<int> MinSizes { get; set; } = [400, 500, 600, 700, 800, 900, 1000, 1100, 1200];

    [ConfigRange(Min = 1)]
    public int MaxSize { get; set; } = 4000;

    public bool Flip { get; set; } = true;
}
