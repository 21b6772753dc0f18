namespace Rcnn.Training.Config;

/// <summary>detectron2's config tree (<c>get_cfg()</c>), typed. A new instance holds detectron2's defaults; YAML
/// files (with <c>_BASE_</c> chains) and KEY VALUE overrides merge into it with yacs' rules: keys must exist, values
/// must have the key's type, and every value is range-checked. Errors are <see cref="ConfigException"/>s that name
/// the dotted key and where the value came from.</summary>
public sealed partial class RcnnConfig
{
    public InputConfig Input { get; } = new();
    public ModelConfig Model { get; } = new();
    public DatasetsConfig Datasets { get; } = new();

    [ConfigKey("DATALOADER")]
    public DataLoaderConfig DataLoader { get; } = new();

    public SolverConfig Solver { get; } = new();
    public TestConfig Test { get; } = new();
    public string OutputDir { get; set; } = "./output";

    /// <summary>Negative draws a seed from the clock.</summary>
    public int Seed { get; set; } = -1;

    public bool CudnnBenchmark { get; set; }

    /// <summary>Iterations between training visualizations; 0 disables them.</summary>
    [ConfigRange(Min = 0)]
    public int VisPeriod { get; set; }

    /// <summary>Config format version; only detectron2's current version 2 exists here.</summary>
    [ConfigChoice(2)]
    public int Version { get; set; } = 2;
}
