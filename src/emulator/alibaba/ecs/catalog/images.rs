//! The public (system) images, by family. `RunInstances` and `DescribeImages` resolve an
//! `ImageFamily` to its newest available image; the older image of a family is kept to
//! show that choice. Images are the same in every region.

use crate::emulator::alibaba::ecs::models::OsType;

/// One public image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Image {
    /// `aliyun_3_x64_20G_alibase_20250117.vhd`.
    pub id: &'static str,
    /// `acs:alibaba_cloud_linux_3_2104_lts_x64`.
    pub family: &'static str,
    /// `OSName` (Chinese console spelling).
    pub os_name: &'static str,
    /// `OSNameEn`.
    pub os_name_en: &'static str,
    /// `linux` or `windows`.
    pub os_type: OsType,
    /// `Aliyun`, `Ubuntu`, `CentOS`, `Anolis`, `Debian`, `Windows Server 2022`.
    pub platform: &'static str,
    /// The image's size in GiB (the smallest system disk it fits).
    pub size_gib: u32,
    /// Creation date `YYYY-MM-DD`.
    pub created: &'static str,
}

const fn linux(
    id: &'static str,
    family: &'static str,
    names: (&'static str, &'static str),
    platform: &'static str,
    created: &'static str,
) -> Image {
    Image {
        id,
        family,
        os_name: names.0,
        os_name_en: names.1,
        os_type: OsType::Linux,
        platform,
        size_gib: 20,
        created,
    }
}

/// Every public image, newest first within a family.
#[rustfmt::skip]
pub static IMAGES: &[Image] = &[
    linux("aliyun_3_x64_20G_alibase_20250117.vhd", "acs:alibaba_cloud_linux_3_2104_lts_x64", ("Alibaba Cloud Linux  3.2104 LTS 64位", "Alibaba Cloud Linux  3.2104 LTS 64 bit"), "Aliyun", "2025-01-17"),
    linux("aliyun_3_x64_20G_alibase_20241218.vhd", "acs:alibaba_cloud_linux_3_2104_lts_x64", ("Alibaba Cloud Linux  3.2104 LTS 64位", "Alibaba Cloud Linux  3.2104 LTS 64 bit"), "Aliyun", "2024-12-18"),
    linux("ubuntu_24_04_x64_20G_alibase_20250113.vhd", "acs:ubuntu_24_04_x64", ("Ubuntu  24.04 64位", "Ubuntu  24.04 64 bit"), "Ubuntu", "2025-01-13"),
    linux("ubuntu_22_04_x64_20G_alibase_20250113.vhd", "acs:ubuntu_22_04_x64", ("Ubuntu  22.04 64位", "Ubuntu  22.04 64 bit"), "Ubuntu", "2025-01-13"),
    linux("ubuntu_20_04_x64_20G_alibase_20241224.vhd", "acs:ubuntu_20_04_x64", ("Ubuntu  20.04 64位", "Ubuntu  20.04 64 bit"), "Ubuntu", "2024-12-24"),
    linux("centos_7_9_x64_20G_alibase_20240628.vhd", "acs:centos_7_9_x64", ("CentOS  7.9 64位", "CentOS  7.9 64 bit"), "CentOS", "2024-06-28"),
    linux("anolisos_8_10_x64_20G_anck_alibase_20250115.vhd", "acs:anolis_8_10_anck_x64", ("Anolis OS  8.10 ANCK 64位", "Anolis OS  8.10 ANCK 64 bit"), "Anolis", "2025-01-15"),
    linux("debian_12_5_x64_20G_alibase_20240530.vhd", "acs:debian_12_x64", ("Debian  12.5 64位", "Debian  12.5 64 bit"), "Debian", "2024-05-30"),
    Image {
        id: "win2022_21H2_x64_dtc_zh-cn_40G_alibase_20250115.vhd",
        family: "acs:windows_server_2022_dtc_x64_zh-cn",
        os_name: "Windows Server  2022 数据中心版 64位中文版",
        os_name_en: "Windows Server  2022 DataCenter Edition 64bit Chinese Edition",
        os_type: OsType::Windows,
        platform: "Windows Server 2022",
        size_gib: 40,
        created: "2025-01-15",
    },
];

/// An image by id.
pub fn find(id: &str) -> Option<&'static Image> {
    IMAGES.iter().find(|i| i.id == id)
}

/// The newest image of a family.
pub fn latest_of(family: &str) -> Option<&'static Image> {
    IMAGES.iter().find(|i| i.family == family)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_resolves_to_its_newest_image() {
        assert_eq!(
            latest_of("acs:alibaba_cloud_linux_3_2104_lts_x64").map(|i| i.id),
            Some("aliyun_3_x64_20G_alibase_20250117.vhd")
        );
        assert!(latest_of("acs:ubuntu_22_04_x64").is_some());
        assert!(latest_of("acs:nothing").is_none());
        assert_eq!(
            find("centos_7_9_x64_20G_alibase_20240628.vhd").map(|i| i.platform),
            Some("CentOS")
        );
    }
}
