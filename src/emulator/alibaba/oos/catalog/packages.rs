//! The public extension packages of the demo catalog: names as the real ones
//! (`ACS-Extension-<Name>-1853370294850618`), versions like `v27`, and installation
//! parameters with types, defaults and allowed values. Older versions allow older
//! software versions, so "latest" and an explicit `TemplateVersion` differ.

use super::{PackageDef, ParamDef, ParamKind, VersionDef};
use crate::emulator::alibaba::ecs::models::OsType::{Linux, Windows};

const fn choice(
    name: &'static str,
    description: &'static str,
    default: &'static str,
    allowed: &'static [&'static str],
) -> ParamDef {
    ParamDef {
        name,
        kind: ParamKind::String,
        description,
        default: Some(default),
        allowed,
        range: None,
    }
}

const fn text(
    name: &'static str,
    description: &'static str,
    default: Option<&'static str>,
) -> ParamDef {
    ParamDef {
        name,
        kind: ParamKind::String,
        description,
        default,
        allowed: &[],
        range: None,
    }
}

const fn port(description: &'static str, default: &'static str) -> ParamDef {
    ParamDef {
        name: "port",
        kind: ParamKind::Number,
        description,
        default: Some(default),
        allowed: &[],
        range: Some((1, 65535)),
    }
}

const fn flag(name: &'static str, description: &'static str, default: &'static str) -> ParamDef {
    ParamDef {
        name,
        kind: ParamKind::Boolean,
        description,
        default: Some(default),
        allowed: &[],
        range: None,
    }
}

const fn version(
    name: &'static str,
    published: &'static str,
    params: &'static [ParamDef],
) -> VersionDef {
    VersionDef {
        name,
        published,
        params,
    }
}

const NODE_VERSION: &str =
    "The major version of Node.js to install (the latest LTS release of that line, with npm).";
const PYTHON_VERSION: &str =
    "The Python version to install (the latest patch release of that line, with pip).";
const JAVA_VERSION: &str = "The major version of the JDK to install.";
const JAVA_VENDOR: &str = "The JDK distribution: OpenJDK or Alibaba Dragonwell.";

/// The demo catalog, in the order ListTemplates sorts it by default (most executed first).
pub static PACKAGES: &[PackageDef] = &[
    PackageDef {
        short_name: "node",
        name_en: "Node.js",
        name_zh: "Node.js",
        description_en: "Node.js environment one-click installation, with npm",
        description_zh: "一键安装 Node.js 运行环境，包含 npm",
        categories: &["development"],
        icon: "Nodejs",
        docs: Some((
            "https://www.alibabacloud.com/help/en/ecs/user-guide/deploy-node-js-environments",
            "https://help.aliyun.com/zh/ecs/user-guide/deploy-node-js-environments",
        )),
        os: &[Linux],
        created: "2023-03-10T06:00:00Z",
        versions: &[
            version(
                "v25",
                "2024-05-20T08:12:40Z",
                &[choice("version", NODE_VERSION, "20", &["16", "18", "20"])],
            ),
            version(
                "v26",
                "2024-11-04T03:30:05Z",
                &[choice("version", NODE_VERSION, "20", &["18", "20"])],
            ),
            version(
                "v27",
                "2025-07-15T12:00:00Z",
                &[choice("version", NODE_VERSION, "22", &["18", "20", "22"])],
            ),
        ],
        popularity: 10,
        executions: 418_233,
    },
    PackageDef {
        short_name: "python",
        name_en: "Python",
        name_zh: "Python",
        description_en: "Python environment one-click installation, with pip and venv",
        description_zh: "一键安装 Python 运行环境，包含 pip 与 venv",
        categories: &["development"],
        icon: "Python",
        docs: None,
        os: &[Linux, Windows],
        created: "2023-03-10T06:05:00Z",
        versions: &[
            version(
                "v11",
                "2024-02-01T02:00:00Z",
                &[choice(
                    "version",
                    PYTHON_VERSION,
                    "3.9",
                    &["3.8", "3.9", "3.10"],
                )],
            ),
            version(
                "v12",
                "2025-06-03T07:45:19Z",
                &[choice(
                    "version",
                    PYTHON_VERSION,
                    "3.11",
                    &["3.9", "3.10", "3.11", "3.12"],
                )],
            ),
        ],
        popularity: 10,
        executions: 366_902,
    },
    PackageDef {
        short_name: "DockerCE",
        name_en: "Docker CE",
        name_zh: "Docker 社区版",
        description_en: "Docker Community Edition one-click installation, with the Compose plugin",
        description_zh: "一键安装 Docker 社区版，包含 Compose 插件",
        categories: &["container"],
        icon: "DockerCE",
        docs: Some((
            "https://www.alibabacloud.com/help/en/ecs/user-guide/install-and-use-docker",
            "https://help.aliyun.com/zh/ecs/user-guide/install-and-use-docker",
        )),
        os: &[Linux],
        created: "2022-09-01T03:00:00Z",
        versions: &[
            version(
                "v14",
                "2024-08-12T05:20:00Z",
                &[flag(
                    "useAliyunMirror",
                    "Pull images through the Alibaba Cloud registry mirror of the region.",
                    "true",
                )],
            ),
            version(
                "v15",
                "2025-09-02T01:10:44Z",
                &[flag(
                    "useAliyunMirror",
                    "Pull images through the Alibaba Cloud registry mirror of the region.",
                    "true",
                )],
            ),
        ],
        popularity: 10,
        executions: 351_447,
    },
    PackageDef {
        short_name: "java",
        name_en: "Java (JDK)",
        name_zh: "Java（JDK）",
        description_en: "Java Development Kit one-click installation",
        description_zh: "一键安装 Java 开发工具包（JDK）",
        categories: &["development"],
        icon: "Java",
        docs: None,
        os: &[Linux, Windows],
        created: "2023-03-12T09:00:00Z",
        versions: &[
            version(
                "v8",
                "2024-04-09T10:00:00Z",
                &[
                    choice("version", JAVA_VERSION, "11", &["8", "11", "17"]),
                    choice("vendor", JAVA_VENDOR, "OpenJDK", &["OpenJDK", "Dragonwell"]),
                ],
            ),
            version(
                "v9",
                "2025-05-27T04:33:10Z",
                &[
                    choice("version", JAVA_VERSION, "17", &["8", "11", "17", "21"]),
                    choice("vendor", JAVA_VENDOR, "OpenJDK", &["OpenJDK", "Dragonwell"]),
                ],
            ),
        ],
        popularity: 9,
        executions: 228_610,
    },
    PackageDef {
        short_name: "BaoTaPanelFree-One-Click",
        name_en: "BT Panel (BaoTa, free)",
        name_zh: "宝塔面板免费版一键安装",
        description_en: "BaoTa Panel free edition one-click installation",
        description_zh: "宝塔Linux面板免费版一键安装",
        categories: &["application"],
        icon: "BaoTaPanelFree",
        docs: None,
        os: &[Linux],
        created: "2024-01-15T08:00:00Z",
        versions: &[version(
            "v3",
            "2025-03-18T06:00:00Z",
            &[port(
                "The port the panel listens on; open it in the security group.",
                "8888",
            )],
        )],
        popularity: 9,
        executions: 197_381,
    },
    PackageDef {
        short_name: "nginx",
        name_en: "Nginx",
        name_zh: "Nginx",
        description_en: "Nginx web server one-click installation, started and enabled at boot",
        description_zh: "一键安装 Nginx Web 服务器，并设置开机自启",
        categories: &["application"],
        icon: "Nginx",
        docs: None,
        os: &[Linux],
        created: "2023-05-22T02:00:00Z",
        versions: &[version(
            "v6",
            "2025-01-09T11:25:00Z",
            &[port("The HTTP port of the default server.", "80")],
        )],
        popularity: 9,
        executions: 176_054,
    },
    PackageDef {
        short_name: "golang",
        name_en: "Go",
        name_zh: "Go 语言",
        description_en: "Go language environment one-click installation",
        description_zh: "一键安装 Go 语言环境",
        categories: &["development"],
        icon: "Golang",
        docs: None,
        os: &[Linux, Windows],
        created: "2023-06-02T02:00:00Z",
        versions: &[version(
            "v5",
            "2025-04-22T08:00:00Z",
            &[choice(
                "version",
                "The Go release line to install.",
                "1.22",
                &["1.21", "1.22", "1.23"],
            )],
        )],
        popularity: 8,
        executions: 88_912,
    },
    PackageDef {
        short_name: "Git",
        name_en: "Git",
        name_zh: "Git",
        description_en: "Git version control one-click installation",
        description_zh: "一键安装 Git 版本控制工具",
        categories: &["development"],
        icon: "Git",
        docs: None,
        os: &[Linux, Windows],
        created: "2023-06-02T02:30:00Z",
        versions: &[version("v4", "2024-12-11T03:00:00Z", &[])],
        popularity: 8,
        executions: 75_330,
    },
    PackageDef {
        short_name: "redis",
        name_en: "Redis",
        name_zh: "Redis",
        description_en: "Redis in-memory database one-click installation, bound to localhost",
        description_zh: "一键安装 Redis 内存数据库，默认仅监听本机",
        categories: &["database"],
        icon: "Redis",
        docs: None,
        os: &[Linux],
        created: "2023-08-14T06:00:00Z",
        versions: &[version(
            "v7",
            "2025-02-26T09:00:00Z",
            &[choice(
                "version",
                "The Redis release line to install.",
                "7.2",
                &["6.2", "7.0", "7.2"],
            )],
        )],
        popularity: 7,
        executions: 61_775,
    },
    PackageDef {
        short_name: "mysql",
        name_en: "MySQL",
        name_zh: "MySQL",
        description_en: "MySQL Community Server one-click installation",
        description_zh: "一键安装 MySQL 社区版数据库",
        categories: &["database"],
        icon: "MySQL",
        docs: None,
        os: &[Linux],
        created: "2023-08-14T06:30:00Z",
        versions: &[version(
            "v5",
            "2025-02-26T09:30:00Z",
            &[choice(
                "version",
                "The MySQL release line to install.",
                "8.0",
                &["5.7", "8.0"],
            )],
        )],
        popularity: 7,
        executions: 58_106,
    },
    PackageDef {
        short_name: "ossfs",
        name_en: "ossfs",
        name_zh: "ossfs",
        description_en: "Mount an OSS bucket as a local directory with ossfs",
        description_zh: "使用 ossfs 将 OSS Bucket 挂载为本地目录",
        categories: &["storage"],
        icon: "ossfs",
        docs: None,
        os: &[Linux],
        created: "2024-02-20T02:00:00Z",
        versions: &[version(
            "v3",
            "2025-06-30T02:00:00Z",
            &[
                text(
                    "bucket",
                    "The OSS bucket to mount (in the instance's region); the instance's RAM role must be allowed to read it.",
                    None,
                ),
                text(
                    "mountPoint",
                    "The local directory to mount the bucket on.",
                    Some("/mnt/ossfs"),
                ),
            ],
        )],
        popularity: 6,
        executions: 20_418,
    },
];
