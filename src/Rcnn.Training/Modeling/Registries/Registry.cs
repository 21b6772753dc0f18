using System.Reflection;
using Rcnn.Training.Config;
using TorchSharp;

namespace Rcnn.Training.Modeling;

/// <summary>A name -> factory table like detectron2's <c>Registry</c>: <see cref="Build"/> reads the name from
/// <see cref="ConfigKey"/> and calls the factory registered under it with the config and the input shape.</summary>
public sealed class Registry<TModule, TInput> : IModuleRegistry where TModule : torch.nn.Module
{
    private readonly Dictionary<string, (Func<RcnnConfig, TInput, TModule> Factory, string Origin)> entries = new(StringComparer.Ordinal);
    private readonly Action? beforeUse;

    /// <summary>An empty registry.</summary>
    /// <param name="name">detectron2's registry name, e.g. <c>ROI_BOX_HEAD</c>.</param>
    /// <param name="configKey">The config key whose value names the module to build, e.g.
    /// <c>MODEL.ROI_BOX_HEAD.NAME</c>; it must be a key of <see cref="RcnnConfig"/>.</param>
    public Registry(string name, string configKey) : this(name, configKey, null) { }

    internal Registry(string name, string configKey, Action? beforeUse)
    {
        if (!RcnnConfig.AllKeys.Contains(configKey))
            throw new ArgumentException($"'{configKey}' is not a config key.", nameof(configKey));
        Name = name;
        ConfigKey = configKey;
        this.beforeUse = beforeUse;
    }

    /// <summary>detectron2's registry name, e.g. <c>ROI_BOX_HEAD</c>.</summary>
    public string Name { get; }
    /// <summary>The config key that names the module to build, e.g. <c>MODEL.ROI_BOX_HEAD.NAME</c>.</summary>
    public string ConfigKey { get; }
    /// <summary><typeparamref name="TInput"/>: the input shape the factories take after the config.</summary>
    public Type InputType => typeof(TInput);

    /// <summary>The registered names, in ordinal order. In a <see cref="ModelRegistries"/> set, first throws any error
    /// from registering an assembly loaded since the last use.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            this.beforeUse?.Invoke();
            lock (entries) return entries.Keys.Order(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Whether a module is registered under <paramref name="name"/> (case-sensitive). Pending assembly
    /// registration errors are thrown first, as in <see cref="Names"/>.</summary>
    public bool Contains(string name)
    {
        this.beforeUse?.Invoke();
        lock (entries) return entries.ContainsKey(name);
    }

    /// <summary>Adds a factory; a name can be registered once.</summary>
    public void Register(string name, Func<RcnnConfig, TInput, TModule> factory) =>
        Add(name, factory ?? throw new ArgumentNullException(nameof(factory)), "an explicit Register call");

    /// <summary>Registers <paramref name="type"/>'s <c>public static FromConfig(RcnnConfig, TInput)</c> (or, for
    /// <see cref="NoInput"/>, <c>FromConfig(RcnnConfig)</c>) under <paramref name="name"/>; a name can be registered
    /// once.</summary>
    public void RegisterType(string name, Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        Add(name, BindFromConfig(type), $"type {type.FullName} ({type.Assembly.GetName().Name})");
    }

    /// <summary>The factory registered under <paramref name="name"/>; an unknown name is a <see cref="ConfigException"/>
    /// that lists what is registered and suggests the closest.</summary>
    public Func<RcnnConfig, TInput, TModule> Get(string name)
    {
        this.beforeUse?.Invoke();
        lock (entries)
        {
            if (entries.TryGetValue(name, out var e)) return e.Factory;
            string names = entries.Count == 0 ? "(none)" : string.Join(", ", entries.Keys.Order(StringComparer.Ordinal).Select(n => $"'{n}'"));
            string? hint = Suggestions.Closest(name, entries.Keys);
            throw new ConfigException(
                $"Config key '{ConfigKey}' names '{name}', but no module of that name is in the {Name} registry. " +
                $"Registered: {names}." + (hint == null ? "" : $" Did you mean '{hint}'?") +
                " A module from your own assembly is found once that assembly is loaded.", ConfigKey);
        }
    }

    /// <summary>Builds the module named by <see cref="ConfigKey"/> in <paramref name="cfg"/>.</summary>
    public TModule Build(RcnnConfig cfg, TInput input)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        string name = (string)cfg.GetValue(ConfigKey)!;
        return Get(name)(cfg, input);
    }

    private void Add(string name, Func<RcnnConfig, TInput, TModule> factory, string origin)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A registry name must not be empty.", nameof(name));
        lock (entries)
        {
            if (entries.TryGetValue(name, out var existing))
                throw new ArgumentException(
                    $"'{name}' is already registered in the {Name} registry (by {existing.Origin}); cannot register it again from {origin}.",
                    nameof(name));
            entries.Add(name, (factory, origin));
        }
    }

    private static Func<RcnnConfig, TInput, TModule> BindFromConfig(Type type)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Static;
        var withInput = type.GetMethod("FromConfig", flags, [typeof(RcnnConfig), typeof(TInput)]);
        if (withInput != null && typeof(TModule).IsAssignableFrom(withInput.ReturnType))
            return withInput.CreateDelegate<Func<RcnnConfig, TInput, TModule>>();
        if (typeof(TInput) == typeof(NoInput)
            && type.GetMethod("FromConfig", flags, [typeof(RcnnConfig)]) is { } cfgOnly
            && typeof(TModule).IsAssignableFrom(cfgOnly.ReturnType))
        {
            var f = cfgOnly.CreateDelegate<Func<RcnnConfig, TModule>>();
            return (cfg, _) => f(cfg);
        }
        throw new ArgumentException(
            $"{type.FullName} is registered by attribute, so it needs 'public static FromConfig(RcnnConfig, " +
            $"{TypeName(typeof(TInput))})' returning a {typeof(TModule).Name}.", nameof(type));
    }

    private static string TypeName(Type t) => !t.IsGenericType
        ? t.Name
        : $"{t.Name[..t.Name.IndexOf('`')]}<{string.Join(", ", t.GetGenericArguments().Select(TypeName))}>";
}
