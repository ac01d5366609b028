from core.masking import mask_address, mask_name, mask_phone


def test_names_keep_only_the_first_character():
    assert mask_name("陈秀英") == "陈**"
    assert mask_name("王五") == "王*"
    assert mask_name("") == ""


def test_phones_keep_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("123") == "***"


def test_addresses_hide_building_and_room():
    masked = mask_address("招宝山街道清川佳园3号楼2单元501室")
    assert masked.startswith("招宝山街道清川佳") and masked.endswith("****")
    assert "501" not in masked
