namespace Rcnn.Training.Config;

/// <summary><c>DATASETS</c>: registered dataset names and optional precomputed proposals.</summary>
public sealed class DatasetsConfig
{
    public List<string> Train { get; set; } = [];
    public List<string> ProposalFilesTrain { get; set; } = [];

    [ConfigRange(Min = 1)]
    public int PrecomputedProposalTopkTrain { get; set; } = 2000;

    public List<string> Test { get; set; } = [];
    public List<string> ProposalFilesTest { get; set; } = [];

    [ConfigRange(Min = 1)]
    public int PrecomputedProposalTopkTest { get; set; } = 1000;
}
