namespace Rcnn.Cli.Datasets;

public enum DatasetKind
{
    CocoJson,
    PascalVoc,
}
