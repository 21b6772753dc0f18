namespace Rcnn.Training.Config;

/// <summary><c>MODEL.PROPOSAL_GENERATOR</c>.</summary>
public sealed class ProposalGeneratorConfig
{
    /// <summary>Name looked up in the PROPOSAL_GENERATOR registry.</summary>
    public string Name { get; set; } = "RPN";

    /// <summary>Proposals with a side shorter than this (input pixels) are dropped.</summary>
    [ConfigRange(Min = 0)]
    public double MinSize { get; set; }
}
