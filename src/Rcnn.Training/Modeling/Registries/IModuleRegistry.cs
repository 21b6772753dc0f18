namespace Rcnn.Training.Modeling;

/// <summary>What all registries share, independent of their module and input types.</summary>
public interface IModuleRegistry
{
    /// <summary>detectron2's registry name, e.g. <c>ROI_BOX_HEAD</c>.</summary>
    string Name { get; }

    /// <summary>The config key that names the module to build, e.g. <c>MODEL.ROI_BOX_HEAD.NAME</c>.</summary>
    string ConfigKey { get; }

    /// <summary>The type of the input shape the factories take after the config (the <c>TInput</c> of
    /// <c>FromConfig</c>).</summary>
    Type InputType { get; }
    /// <summary>The registered names, in ordinal order.</summary>
    IReadOnlyList<string> Names { get; }
    /// <summary>Whether a module is registered under <paramref name="name"/> (case-sensitive).</summary>
    bool Contains(string name);

    /// <summary>Registers <paramref name="type"/>'s static <c>FromConfig</c> under <paramref name="name"/>.</summary>
    void RegisterType(string name, Type type);
}
