namespace Rcnn.Training.Modeling;

/// <summary>Registers a module class with one of the <see cref="ModelRegistries"/> when its assembly is loaded. The
/// class needs <c>public static FromConfig(RcnnConfig cfg, TInput inputShape)</c> returning the module, where TInput
/// is the registry's input type (<see cref="ModelRegistries.InputTypeOf"/>); for META_ARCH it may take only the config.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RegisterModuleAttribute(RegistryKind registry, string? name = null) : Attribute
{
    /// <summary>The registry the class is added to.</summary>
    public RegistryKind Registry { get; } = registry;

    /// <summary>The name configs use; the class name when not given (as detectron2's <c>@REGISTRY.register()</c>).</summary>
    public string? Name { get; } = name;
}
